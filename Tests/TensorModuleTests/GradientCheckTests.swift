import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite struct GradientCheckTests {
    @Test(arguments: opTable)
    func autodiffMatchesFiniteDifferences(_ row: OpCase) {
        let result = checkGradients(of: row.apply, at: row.inputs(seed: 11))
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

    /// Every `public func` declared in Sources/TensorModule/Ops has a row in `opTable` or is listed as
    /// non-differentiable, so a new op cannot skip the gradient check.
    @Test func everyPublicOpHasATableRow() throws {
        let ops = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/TensorModule/Ops")
        let files = try FileManager.default.contentsOfDirectory(atPath: ops.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 5)
        let pattern = try NSRegularExpression(pattern: #"public (static )?(prefix )?func (\.[^ (]+|[^ (<]+)"#)
        var declared = Set<String>()
        for file in files {
            let text = try String(contentsOf: ops.appendingPathComponent(file), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(m.range(at: 3), in: text)!])
                let prefix = m.range(at: 2).location != NSNotFound ? "prefix " : ""
                declared.insert(prefix + name)
            }
        }
        #expect(declared.contains("matmul") && declared.contains("prefix -"), "the scan found \(declared.sorted())")
        let covered = Set(opTable.map(\.name)).union(nonDifferentiableOps.keys)
        let missing = declared.subtracting(covered)
        #expect(missing.isEmpty, "public ops without a gradient-check row: \(missing.sorted())")
    }
}
