import Foundation
import NeuralKit

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("neuralkit-test-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ text: String, to name: String) throws -> String {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
        return file(name)
    }

    public func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The `neuralkit` executable built next to the tests, run with arguments.
public enum CommandLineTool {
    public static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/release/neuralkit").path
    }

    /// Runs `neuralkit` and returns its exit status, standard output and standard error.
    public static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try runProcess(executable, arguments)
        return (r.status, r.stdout, r.stderr)
    }

    /// Runs any program; also says whether it exited (rather than being stopped by a signal).
    ///
    /// ```swift
    /// let r = try CommandLineTool.runProcess("/bin/bash", ["-c", "ulimit -v 1048576 && exec true"])
    /// ```
    public static func runProcess(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String, exited: Bool) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self), p.terminationReason == .exit)
    }
}

extension CommandLineTool {
    /// Runs `neuralkit` and kills it with SIGKILL as soon as its standard output holds `marker` (or lets it finish
    /// when it never does). Returns whether the kill stopped it, and what it printed.
    ///
    /// ```swift
    /// let run = try CommandLineTool.runKilled(["train", "--epochs", "6"], whenOutputContains: "Epoch 3/6")
    /// ```
    public static func runKilled(_ arguments: [String], whenOutputContains marker: String) throws -> (killed: Bool, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = Data()
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text.append(chunk)
            if String(decoding: text, as: UTF8.self).contains(marker) {
                kill(p.processIdentifier, SIGKILL)
                text.append(out.fileHandleForReading.readDataToEndOfFile())
                break
            }
        }
        p.waitUntilExit()
        return (p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL, String(decoding: text, as: UTF8.self))
    }
}

extension CommandLineTool {
    /// Runs `neuralkit` with its standard output sent to `outputFile`, and returns its exit status and its peak
    /// resident memory in bytes (`wait4`'s `ru_maxrss`, for this child alone).
    ///
    /// ```swift
    /// let (status, peak) = try CommandLineTool.runMeasuringMemory(["summary", "--model-file", "m.json"], outputFile: "out.txt")
    /// ```
    public static func runMeasuringMemory(_ arguments: [String], outputFile: String) throws -> (status: Int32, peakBytes: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw CocoaError(.fileNoSuchFile) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        return (exited ? (status >> 8) & 0xFF : -1, usage.ru_maxrss * 1024)
    }
}

extension TrainingRun {
    /// A quiet `neuralkit train` of `data` with its automatic preset into `directory`/run: the summary.
    ///
    /// ```swift
    /// let summary = try TrainingRun.quietly(.builtin("airline"), epochs: 200, batchSize: 16, in: tmp)
    /// ```
    public static func quietly(_ data: RunConfiguration.DataSource, epochs: Int, batchSize: Int, in directory: TemporaryDirectory) throws -> RunSummary {
        var c = RunConfiguration()
        c.data = data
        c.epochs = epochs
        c.batchSize = batchSize
        c.outputDirectory = directory.file("run")
        c.verbose = false
        return try run(c, log: { _ in })
    }
}
