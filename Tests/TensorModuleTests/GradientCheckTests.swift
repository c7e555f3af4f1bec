import Testing
import NeuralKit
import _TestSupport

@Suite struct GradientCheckTests {
    @Test(arguments: opTable)
    func autodiffMatchesFiniteDifferences(_ row: OpCase) {
        let result = checkGradients(of: row.apply, at: row.inputs(seed: 11), absoluteTolerance: tightGradientTolerance.absolute,
                                    relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
        #expect(result.checkedCount == row.shapes.reduce(0) { $0 + $1.reduce(1, *) })
    }

    @Test func checkerCatchesAWrongGradient() {
        // sign's recorded gradient is 0, but where x ↦ sign(x)·x² is smooth its derivative is 2|x|:
        // composing with a stop-gradient trick gives autodiff a wrong answer that the checker must flag.
        let wrong = checkGradients(of: { x in x[0].detached * x[0] }, at: [Tensor([1.5, -0.5])])
        #expect(!wrong.passed)
        #expect(wrong.worst != nil)
    }

    /// A derivative 0.1% off: x² whose recorded gradient is 2.002x (its value unchanged). The public defaults let it
    /// through; the suite's tolerances do not.
    @Test func tightTolerancesCatchATenthOfAPercent() {
        let f = { (x: [Tensor]) in (x[0] * x[0] + x[0].detached * x[0] * 0.002 - (x[0] * x[0] * 0.002).detached).sum() }
        let at = [Tensor([1.5, -0.5, 2], dtype: .float64)]
        #expect(checkGradients(of: f, at: at).passed)
        let tight = checkGradients(of: f, at: at, absoluteTolerance: tightGradientTolerance.absolute,
                                   relativeTolerance: tightGradientTolerance.relative)
        #expect(!tight.passed)
    }
}
