import FileIO
import TensorModule

/// The sktime/UEA `.ts` format of labelled multivariate time series: `#` comment lines, `@` header lines (`@dimensions
/// 12`, `@classLabel true 1 2 …`, then `@data`), and one series per line: each channel's values separated by commas,
/// the channels by colons, the class label last. Series of different lengths become one tensor padded with zeros at
/// the end, with their lengths (``mask``).
///
/// ```swift
/// let vowels = try TimeSeriesFile(bytes: Gzip.contents(ofFile: "JapaneseVowels_TRAIN.ts.gz"), file: "JapaneseVowels_TRAIN.ts.gz")
/// vowels.series.shape   // [270, 26, 12]: 270 series, up to 26 steps, 12 channels
/// ```
public struct TimeSeriesFile: Sendable {
    /// The series [count, longest length, channels], zeros after each series' end.
    public let series: Tensor
    /// Each series' number of steps.
    public let lengths: [Int]
    /// Each series' class, an index into ``classNames`` (int32).
    public let labels: Tensor
    /// The class labels in the order `@classLabel` lists them.
    public let classNames: [String]

    /// 1 at each series' steps, 0 at the padding after them: int32 [count, longest length].
    public var mask: Tensor {
        let steps = series.shape[1]
        return Tensor(shape: [lengths.count, steps], integers: lengths.flatMap { n in (0..<steps).map { Int32($0 < n ? 1 : 0) } })
    }

    /// Reads `.ts` text; `file` names it in errors, which give the line and what was wrong there.
    public init(bytes: [UInt8], file: String) throws(DataError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DataError(file: file, "not UTF-8 text") }
        var channels: Int?, classes: [String]?, inData = false
        var rows: [[[Double]]] = [], labels: [Int32] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.hasSuffix("\r") ? raw.dropLast() : raw).trimmingSpaces
            let location = "line \(number + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !inData {
                guard line.hasPrefix("@") else { throw DataError(file: file, location: location, "expected a @ header line before @data") }
                let words = line.split(separator: " ").map(String.init)
                switch words[0].lowercased() {
                case "@dimensions":
                    guard words.count == 2, let n = Int(words[1]), n > 0 else {
                        throw DataError(file: file, location: location, "@dimensions needs a positive count")
                    }
                    channels = n
                case "@classlabel":
                    guard words.count >= 3, words[1] == "true" else {
                        throw DataError(file: file, location: location, "expected '@classLabel true' and the class labels")
                    }
                    classes = Array(words.dropFirst(2))
                case "@data":
                    guard classes != nil else { throw DataError(file: file, location: location, "@data before @classLabel") }
                    inData = true
                default: continue   // @problemName, @timeStamps, @missing, @univariate, @equalLength
                }
                continue
            }
            let parts = line.split(separator: ":", omittingEmptySubsequences: false)
            let expected = (channels ?? parts.count - 1) + 1
            guard parts.count == expected else {
                throw DataError(file: file, location: location, "expected \(expected - 1) channels and a label separated by ':', found \(parts.count) fields")
            }
            guard let label = classes?.firstIndex(of: String(parts.last!).trimmingSpaces) else {
                throw DataError(file: file, location: location, "unknown class label '\(DataError.oneLine(String(parts.last!.prefix(30))))' "
                                + "(expected one of: \((classes ?? []).joined(separator: ", ")))")
            }
            var series: [[Double]] = []
            for (c, part) in parts.dropLast().enumerated() {
                var values: [Double] = []
                for cell in part.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let v = Double(String(cell).trimmingSpaces), v.isFinite else {
                        throw DataError(file: file, location: "\(location), channel \(c + 1)", "expected a number, found '\(DataError.oneLine(String(cell.prefix(30))))'")
                    }
                    values.append(v)
                }
                guard series.isEmpty || values.count == series[0].count else {
                    throw DataError(file: file, location: location, "channel \(c + 1) has \(values.count) values, channel 1 has \(series[0].count)")
                }
                series.append(values)
            }
            rows.append(series)
            labels.append(Int32(label))
        }
        guard inData, let classes else { throw DataError(file: file, "no @data section") }
        guard !rows.isEmpty else { throw DataError(file: file, "no series after @data") }
        let c = rows[0].count, lengths = rows.map { $0[0].count }, longest = lengths.max() ?? 0
        var values = [Double](repeating: 0, count: rows.count * longest * c)
        for (i, series) in rows.enumerated() {
            for (channel, steps) in series.enumerated() {
                for (t, v) in steps.enumerated() { values[(i * longest + t) * c + channel] = v }
            }
        }
        self.series = Tensor(shape: [rows.count, longest, c], values: values)
        self.lengths = lengths
        self.labels = Tensor(integers: labels)
        classNames = classes
    }
}

extension TimeSeriesFile {
    /// The series as a classification dataset of sequences [count, steps, channels] (``Dataset/isSequences``),
    /// padded with zeros to `steps` (at least the longest series), the class names as given.
    public func dataset(name: String, steps: Int? = nil) -> Dataset {
        let (n, longest, channels) = (series.shape[0], series.shape[1], series.shape[2])
        let steps = Swift.max(steps ?? longest, longest)
        let features = steps == longest ? series
            : Tensor.concatenating([series, Tensor.zeros([n, steps - longest, channels])], alongAxis: 1)
        var data = Dataset(name: name, features: features, targets: labels, classNames: classNames)
        data.imageShape = nil
        return data
    }
}
