import FileIO
import TensorModule

/// Reads numeric CSV files (RFC 4180 quoting) into a ``Dataset``.
///
/// - Header: detected when the first row has a non-numeric cell, or forced with `hasHeader`.
/// - Label column: by name (needs a header), by index (negative counts from the end), default the last column.
/// - Labels: a label column with non-numeric values, or with at most 50 distinct integer values, makes a
///   classification dataset (classes sorted; numeric class names in numeric order); otherwise regression.
/// - A UTF-8 byte-order mark and CRLF line ends are accepted; the final newline is optional; blank lines are skipped.
/// - `nan`, `inf` and other non-finite values are rejected (training on them only produces NaN), like any other
///   non-numeric feature cell: the error names the line and column.
/// - A field longer than `maximumFieldLength` bytes is an error (memory stays bounded on malformed files).
///
/// ```swift
/// let data = try CSVReader.read("houses.csv", label: .name("price"))
/// ```
public enum CSVReader {
    /// Which column holds the label: by header name, by 0-based index, or the last one.
    public enum LabelColumn: Sendable, Equatable {
        case name(String)
        case index(Int)
        case last
    }

    public static let maximumFieldLength = 1 << 20

    /// Parses `path` into rows of fields; errors carry the file and line.
    public static func rows(ofFile path: String) throws(DataError) -> [[String]] {
        try rows(Gzip.contents(ofFile: path), file: path)
    }

    public static func rows(_ bytes: [UInt8], file: String) throws(DataError) -> [[String]] {
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var line = 1
        var quoted = false
        var quoteLine = 0
        var fieldStarted = false
        func endField() throws(DataError) {
            guard let s = String(validating: field, as: UTF8.self) else {
                throw DataError(file: file, location: "line \(line)", "field is not valid UTF-8")
            }
            row.append(s)
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRow() {
            if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
            row = []
        }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(c)
                        i += 2
                        continue
                    }
                    quoted = false
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                }
            } else if c == UInt8(ascii: "\"") && !fieldStarted {
                quoted = true
                quoteLine = line
                fieldStarted = true
            } else if c == UInt8(ascii: ",") {
                try endField()
            } else if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                if c == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                try endField()
                endRow()
                line += 1
            } else {
                field.append(c)
                fieldStarted = true
            }
            if field.count > maximumFieldLength {
                throw DataError(file: file, location: "line \(line)", "field longer than \(maximumFieldLength) bytes")
            }
            i += 1
        }
        if quoted { throw DataError(file: file, location: "line \(quoteLine)", "unmatched quote") }
        if fieldStarted || !field.isEmpty || !row.isEmpty {
            try endField()
            endRow()
        }
        return rows
    }

    /// Reads a CSV file into a dataset of float32 features.
    public static func read(_ path: String, label: LabelColumn = .last, hasHeader: Bool? = nil,
                            name: String? = nil) throws(DataError) -> Dataset {
        try dataset(rows(ofFile: path), file: path, label: label, hasHeader: hasHeader, name: name ?? path)
    }

    public static func dataset(_ allRows: [[String]], file: String, label: LabelColumn = .last, hasHeader: Bool? = nil,
                               name: String) throws(DataError) -> Dataset {
        guard let first = allRows.first else { throw DataError(file: file, "empty file: no rows") }
        let trimmed = first.map { $0.trimmingSpaces }
        let header = hasHeader ?? trimmed.contains { Double($0) == nil }
        let data = header ? Array(allRows.dropFirst()) : allRows
        let lineOffset = header ? 2 : 1
        guard !data.isEmpty else { throw DataError(file: file, "header only: no data rows") }
        let width = data[0].count
        if header, trimmed.count != width {
            throw DataError(file: file, location: "line 2", "expected \(trimmed.count) fields like the header, found \(width)")
        }
        guard width >= 2 else { throw DataError(file: file, "need at least one feature column and a label column, found \(width) column") }
        let labelIndex: Int
        switch label {
        case .last: labelIndex = width - 1
        case .index(let k):
            let j = k < 0 ? width + k : k
            guard j >= 0 && j < width else { throw DataError(file: file, "label column \(k) is out of range for \(width) columns") }
            labelIndex = j
        case .name(let n):
            guard header, let j = trimmed.firstIndex(of: n) else {
                throw DataError(file: file, "no column named '\(n)'" + (header ? " (columns: \(trimmed.joined(separator: ", ")))" : " (the file has no header)"))
            }
            labelIndex = j
        }
        var features = [Float]()
        features.reserveCapacity(data.count * (width - 1))
        var labels: [String] = []
        for (r, row) in data.enumerated() {
            guard row.count == width else {
                throw DataError(file: file, location: "line \(r + lineOffset)", "expected \(width) fields, found \(row.count)")
            }
            for (c, cell) in row.enumerated() {
                if c == labelIndex {
                    labels.append(cell.trimmingSpaces)
                    continue
                }
                guard let v = Double(cell.trimmingSpaces), Float(v).isFinite else {
                    throw DataError(file: file, location: "line \(r + lineOffset)",
                                    "column \(c + 1): expected a finite number within Float32's range (±3.4e38), found '\(cell.prefix(40))'")
                }
                features.append(Float(v))
            }
        }
        let features2 = Tensor(shape: [data.count, width - 1], scalars: features)
        let numeric = labels.map { Double($0) }
        let distinct = Set(labels)
        if numeric.allSatisfy({ $0 != nil }) {
            if let bad = numeric.firstIndex(where: { !Float($0!).isFinite }) {
                throw DataError(file: file, location: "line \(bad + lineOffset)", "column \(labelIndex + 1): expected a finite "
                                + "number within Float32's range (±3.4e38), found '\(labels[bad].prefix(40))'")
            }
            let values = numeric.map { $0! }
            // Whole-number labels name classes (up to 50 of them, each an Int); other numbers are regression targets.
            if values.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 1e15 }) && distinct.count <= 50 {
                let classes = Set(values).sorted()
                let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
                return Dataset(name: name, features: features2, targets: Tensor(integers: values.map { Int32(index[$0]!) }),
                               classNames: classes.map { String(Int($0)) })
            }
            return Dataset(name: name, features: features2, targets: Tensor(shape: [values.count, 1], values: values))
        }
        if let bad = labels.firstIndex(where: { $0.isEmpty }) {
            throw DataError(file: file, location: "line \(bad + lineOffset)", "empty label")
        }
        let classes = distinct.sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return Dataset(name: name, features: features2, targets: Tensor(integers: labels.map { Int32(index[$0]!) }), classNames: classes)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
