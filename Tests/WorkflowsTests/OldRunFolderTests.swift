import Foundation
import Testing
import NeuralKit
import _TestSupport

/// Run folders written by NeuralKit at 306c1fd (made by tools/make-306c1fd-fixtures.sh): today's code loads their
/// model files, weights and checkpoints, evaluates them to the numbers 306c1fd printed, and resumes them.
@Suite(.serialized) struct OldRunFolderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/306c1fd").standardized.path

    /// (run folder, dataset, the flags it was trained with, epochs trained)
    static let runs: [(String, String, [String], Int)] = [
        ("iris-small", "iris", ["--checkpoint-every", "3", "--early-stopping", "3"], 4),
        ("digits-conv", "digits", ["--augment", "flip"], 2),
    ]

    @Test(arguments: runs.indices)
    func oldRunFolderEvaluatesAsBeforeAndResumes(_ index: Int) throws {
        let (name, dataset, flags, epochs) = Self.runs[index]
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let run = tmp.file(name)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name, toPath: run)
        let expected = try String(contentsOfFile: run + "/evaluate.txt", encoding: .utf8)
        try FileManager.default.removeItem(atPath: run + "/evaluate.txt")

        let spec = try ModelSpec(json: AtomicFile.read(run + "/model.json"))
        #expect(spec.graph == nil && !spec.layers.isEmpty)
        let evaluate = try CommandLineTool.run(["evaluate", "--model-dir", run, "--dataset", dataset])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout == expected)

        let summary = try CommandLineTool.run(["summary", "--model-file", run + "/model.json"])
        #expect(summary.status == 0 && summary.stdout.contains("Total params:"), "\(summary.stderr)")

        // The old checkpoint has no generator or callback states: it resumes all the same, one epoch further.
        let resume = try CommandLineTool.run(["train", "--dataset", dataset, "--model-file", run + "/model.json", "--epochs", "\(epochs + 1)",
                                              "--output", run, "--resume"] + flags)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stdout.contains("Epoch \(epochs + 1)/\(epochs + 1)") && !resume.stdout.contains("Epoch 1/"), "\(resume.stdout)")
        let history = try String(contentsOfFile: run + "/history.csv", encoding: .utf8)
        #expect(history.split(separator: "\n").count == epochs + 2)
    }
}
