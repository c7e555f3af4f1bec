import Glibc

/// Writes one CSV row per epoch (`epoch` then the logged quantities in sorted order) to a file, flushed each epoch.
///
/// ```swift
/// CSVLogger(path: "history.csv")
/// ```
public final class CSVLogger: Callback {
    public let path: String
    public let separator: String
    private var file: UnsafeMutablePointer<FILE>?
    private var columns: [String] = []

    public init(path: String, separator: String = ",") {
        self.path = path
        self.separator = separator
    }

    public func onTrainBegin(_ trainer: Trainer, logs: Logs) throws {
        guard let f = fopen(path, "w") else {
            throw TrainingError.io("CSVLogger: cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        file = f
        columns = []
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {
        guard let file else { return }
        if columns.isEmpty {
            columns = logs.keys.sorted()
            try write(file, (["epoch"] + columns).joined(separator: separator) + "\n")
        }
        let row = ["\(epoch)"] + columns.map { logs[$0].map { "\($0)" } ?? "" }
        try write(file, row.joined(separator: separator) + "\n")
        fflush(file)
    }

    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {
        if let file { fclose(file) }
        file = nil
    }

    private func write(_ file: UnsafeMutablePointer<FILE>, _ text: String) throws {
        guard fputs(text, file) >= 0 else { throw TrainingError.io("CSVLogger: cannot write to \(path)") }
    }
}
