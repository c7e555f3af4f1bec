import Glibc

/// Keras-style progress: on a terminal, a bar per batch (step/steps, ETA, running loss and metrics) redrawn in
/// place at most 10 times a second; every epoch ends with one summary line. When output is not a terminal, only
/// the summary lines are printed.
public final class ProgressBar: Callback {
    private var steps = 0
    private var epochs = 0
    private var epochStart = 0.0
    private var lastDraw = 0.0
    private var epoch = 0
    private let isTerminal: Bool

    public init() {
        isTerminal = isatty(STDOUT_FILENO) == 1
    }

    public func onTrainBegin(_ trainer: Trainer, logs: Logs) {
        steps = Int(logs["steps"] ?? 0)
        epochs = Int(logs["epochs"] ?? 0)
    }

    public func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) {
        self.epoch = epoch
        epochStart = Trainer.now()
        lastDraw = 0
    }

    public func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) {
        guard isTerminal else { return }
        let t = Trainer.now()
        guard t - lastDraw >= 0.1 || batch + 1 == steps else { return }
        lastDraw = t
        let done = batch + 1
        let width = 30
        let filled = steps > 0 ? width * done / steps : width
        let bar = String(repeating: "=", count: Swift.max(filled - 1, 0)) + (filled < width ? ">" : "=")
            + String(repeating: ".", count: width - filled)
        let eta = steps > done ? (t - epochStart) / Double(done) * Double(steps - done) : 0
        let text = "\r\(done)/\(steps) [\(bar)] ETA \(Self.seconds(eta)) " + Self.format(logs)
        print(text, terminator: "")
        fflush(nil)
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) {
        if isTerminal { print("\r\u{1B}[K", terminator: "") }
        var shown = logs
        shown["seconds"] = nil
        print("Epoch \(epoch + 1)/\(epochs) - \(Self.seconds(logs["seconds"] ?? 0)) " + Self.format(shown))
        fflush(nil)
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? "\(Int(s.rounded()))s" : "\(Int(s) / 60)m\(Int(s) % 60)s"
    }

    public static func format(_ logs: Logs) -> String {
        logs.keys.filter { $0 != "batch_size" }.sorted { key($0) < key($1) }.map { k in
            let v = logs[k] ?? .nan
            return "- \(k): " + (k == "lr" ? "\(v)" : fourDigits(v))
        }.joined(separator: " ")
    }

    /// Sorts loss first, then the metrics, then validation values, then the rest.
    private static func key(_ k: String) -> String {
        if k == "loss" { return "0" }
        if k.hasPrefix("val_") { return "2" + k }
        if k == "lr" || k == "regularization" { return "3" + k }
        return "1" + k
    }

    /// A value with four decimals, as logs show it (`0.5000`).
    public static func fourDigits(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : "\(v)" }   // "nan", not "-nan", whatever its sign bit
        let scaled = (v * 10_000).rounded() / 10_000
        var s = "\(scaled)"
        if let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) < 5, !s.contains("e") {
            s += String(repeating: "0", count: 5 - s.distance(from: dot, to: s.endIndex))
        }
        return s
    }
}
