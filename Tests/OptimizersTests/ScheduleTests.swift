import Testing
import NeuralKit
import Glibc

struct ScheduleCase: CustomTestStringConvertible, Sendable {
    let name: String
    let schedule: LearningRateSchedule
    /// The formula, written out independently, evaluated at steps 0, 1, k and a late step.
    let formula: @Sendable (Int) -> Double
    let steps: [Int]
    var testDescription: String { name }
}

let eta = 0.1
let scheduleTable: [ScheduleCase] = [
    ScheduleCase(name: "constant", schedule: .constant, formula: { _ in eta }, steps: [0, 1, 10, 1000]),
    ScheduleCase(name: "step decay ×0.5 every 10", schedule: .stepDecay(factor: 0.5, stepSize: 10),
                 formula: { eta * Glibc.pow(0.5, Double($0 / 10)) }, steps: [0, 1, 10, 35]),
    ScheduleCase(name: "multi-step", schedule: .multiStep(milestones: [5, 20], factor: 0.1),
                 formula: { eta * ($0 >= 20 ? 0.01 : ($0 >= 5 ? 0.1 : 1)) }, steps: [0, 1, 5, 19, 20, 100]),
    ScheduleCase(name: "exponential", schedule: .exponential(factor: 0.95),
                 formula: { eta * Glibc.pow(0.95, Double($0)) }, steps: [0, 1, 10, 200]),
    ScheduleCase(name: "inverse time", schedule: .inverseTime(decayRate: 0.5, decaySteps: 10),
                 formula: { eta / (1 + 0.5 * Double($0) / 10) }, steps: [0, 1, 10, 500]),
    ScheduleCase(name: "1/t decay η/√(t+1)", schedule: .inverseSquareRoot,
                 formula: { eta / Double($0 + 1).squareRoot() }, steps: [0, 1, 3, 99]),
    ScheduleCase(name: "cosine", schedule: .cosine(totalSteps: 100, minimum: 0.001),
                 formula: { 0.001 + (eta - 0.001) * (1 + Glibc.cos(Double.pi * Double(Swift.min($0, 100)) / 100)) / 2 },
                 steps: [0, 1, 50, 100, 150]),
    // periods 10, 20, 40: restarts at 10 and 30
    ScheduleCase(name: "SGDR", schedule: .cosineWarmRestarts(period: 10, periodFactor: 2, minimum: 0), formula: { t in
        let (p, len) = t < 10 ? (t, 10) : (t < 30 ? (t - 10, 20) : (t - 30, 40))
        return eta * (1 + Glibc.cos(Double.pi * Double(p) / Double(len))) / 2
    }, steps: [0, 1, 9, 10, 29, 30, 45]),
    // triangle from η up to 0.5 and back over 2·5 steps
    ScheduleCase(name: "triangular", schedule: .triangular(maximum: 0.5, stepSize: 5), formula: { t in
        let phase = Double(t % 10)
        return eta + (0.5 - eta) * (phase <= 5 ? phase / 5 : (10 - phase) / 5)
    }, steps: [0, 1, 5, 7, 10, 15, 23]),
    ScheduleCase(name: "triangular2", schedule: .triangular2(maximum: 0.5, stepSize: 5), formula: { t in
        let phase = Double(t % 10)
        let cycle = t / 10
        return eta + (0.5 - eta) * (phase <= 5 ? phase / 5 : (10 - phase) / 5) / Glibc.pow(2, Double(cycle))
    }, steps: [0, 1, 5, 15, 25, 35]),
    ScheduleCase(name: "warm-up then cosine",
                 schedule: .warmup(steps: 10, startFactor: 0.1, then: .cosine(totalSteps: 100, minimum: 0)),
                 formula: { t in
                     t < 10 ? eta * (0.1 + 0.9 * Double(t) / 10)
                            : eta * (1 + Glibc.cos(Double.pi * Double(Swift.min(t - 10, 100)) / 100)) / 2
                 }, steps: [0, 1, 5, 10, 60, 500]),
]

@Suite struct ScheduleTests {
    @Test(arguments: scheduleTable)
    func valuesMatchTheFormula(_ row: ScheduleCase) {
        for t in row.steps {
            let got = row.schedule.learningRate(base: eta, step: t)
            #expect(Swift.abs(got - row.formula(t)) <= 1e-12, "\(row.name) at step \(t): \(got) vs \(row.formula(t))")
        }
    }

    @Test func optimizerAppliesItsSchedulePerUpdate() {
        let w = Parameter(Tensor([0], dtype: .float64))
        let opt = Optimizer(SGD(learningRate: 1), schedule: .stepDecay(factor: 0.5, stepSize: 1))
        var lrs: [Double] = []
        for _ in 0..<3 {
            lrs.append(opt.currentLearningRate)
            (w.value * 1).sum().backward()
            opt.update([("w", w)])
        }
        #expect(lrs == [1, 0.5, 0.25])
        #expect(w.value.scalar == -1.75)
    }
}
