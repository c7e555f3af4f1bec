import Foundation
import Testing
import NeuralKit
import _TestSupport

/// The default MLP through `neuralkit train` reaches ≥ 88% test accuracy on Fashion-MNIST within 10 epochs.
/// About 12 s on two cores, so it runs in every `make test` (which installs dataset-fashion-mnist).
@Suite struct FashionMNISTAcceptanceTests {
    @Test func defaultMLPReaches88Percent() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let r = try CommandLineTool.run(["train", "--dataset", "fashion-mnist", "--epochs", "10", "--early-stopping", "3",
                                         "--output", tmp.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONParser.parse(Array(try #require(r.stdout.split(separator: "\n").last).utf8))
        guard case .number(let accuracy)? = summary["test_accuracy"] else {
            Issue.record("no test_accuracy in \(r.stdout.suffix(300))")
            return
        }
        #expect(accuracy >= 0.88)
    }
}
