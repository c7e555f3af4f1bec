import Foundation
import Testing
import NeuralKit
import _TestSupport

/// The default MLP through `neuralkit train` reaches ≥ 88% test accuracy on Fashion-MNIST within 10 epochs, with the
/// options `make demo` uses; the final model is the best epoch's. About 12 s on two cores, so it runs in every
/// `make test` (which installs dataset-fashion-mnist).
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
        // The weights tested and saved as final are the best epoch's (those best.safetensors keeps), and the run says so.
        let final = try Data(contentsOf: URL(fileURLWithPath: tmp.path + "/final.safetensors"))
        let best = try Data(contentsOf: URL(fileURLWithPath: tmp.path + "/best.safetensors"))
        let same = final == best
        #expect(same, "final.safetensors is not the best epoch's")
        #expect(r.stdout.contains("Early stopping: ") && r.stdout.contains("kept the weights of epoch "), "\(r.stdout.suffix(600))")
        let makefile = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Makefile").path, encoding: .utf8)
        #expect(makefile.contains("neuralkit train --early-stopping 3 --output neuralkit-run"), "make demo trains with other options")
    }
}
