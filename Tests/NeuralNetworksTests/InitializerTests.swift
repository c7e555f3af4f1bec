import Testing
import NeuralKit
import Glibc

@Suite struct InitializerTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let initializer: Initializer
        /// Expected mean and standard deviation for shape [400, 600] (fanIn 400, fanOut 600).
        let mean: Double
        let std: Double
        /// The interval a uniform initializer draws from (every value inside, and both ends nearly reached).
        var bounds: ClosedRange<Double>? = nil
        var testDescription: String { "\(initializer)" }
    }

    static let rows: [Row] = [
        Row(initializer: .zeros, mean: 0, std: 0),
        Row(initializer: .ones, mean: 1, std: 0),
        Row(initializer: .constant(0.3), mean: 0.3, std: 0),
        Row(initializer: .uniform(lowerBound: -1, upperBound: 3), mean: 1, std: 4 / 12.0.squareRoot(), bounds: -1...3),
        Row(initializer: .normal(standardDeviation: 0.05), mean: 0, std: 0.05),
        Row(initializer: .glorotUniform, mean: 0, std: (6 / 1000.0).squareRoot() / 3.0.squareRoot(),
            bounds: -(6 / 1000.0).squareRoot()...(6 / 1000.0).squareRoot()),
        Row(initializer: .glorotNormal, mean: 0, std: (2 / 1000.0).squareRoot()),
        Row(initializer: .heUniform, mean: 0, std: (6 / 400.0).squareRoot() / 3.0.squareRoot(),
            bounds: -(6 / 400.0).squareRoot()...(6 / 400.0).squareRoot()),
        Row(initializer: .heNormal, mean: 0, std: (2 / 400.0).squareRoot()),
        Row(initializer: .lecunNormal, mean: 0, std: (1 / 400.0).squareRoot()),
    ]

    @Test(arguments: rows)
    func statisticsMatchTheDefinition(_ row: Row) {
        let w = row.initializer.make([400, 600], dtype: .float64, seed: 3)
        #expect(w.shape == [400, 600])
        #expect(Swift.abs(w.mean().scalar - row.mean) < 0.01 * Swift.max(row.std, 0.1))
        #expect(Swift.abs(w.variance().scalar.squareRoot() - row.std) <= 0.02 * row.std + 1e-12)
        #expect(row.initializer.make([400, 600], dtype: .float64, seed: 3) == w)
        if let bounds = row.bounds {
            // A normal draw of the same deviation would leave the interval (|z| > √3 for 8% of its values).
            let values = w.values, width = bounds.upperBound - bounds.lowerBound
            #expect(values.allSatisfy { bounds.contains($0) }, "a value outside \(bounds)")
            #expect(values.min()! < bounds.lowerBound + 1e-3 * width && values.max()! > bounds.upperBound - 1e-3 * width)
        }
    }

    @Test func fansFollowKeras() {
        #expect(Initializer.fans([3, 5]) == (3, 5))
        #expect(Initializer.fans([3, 3, 16, 32]) == (144, 288))
        #expect(Initializer.fans([7]) == (7, 7))
    }
}
