import FileIO
/// Parsing plain numeric tables (comma- or space-separated, no quoting), as the bundled datasets use.
/// The full CSV reader with headers, quotes and label columns is ``CSVReader`` (data issue).
public enum DelimitedNumbers {
    /// Rows of numbers from text; every row must have the same count. Blank lines are skipped.
    ///
    /// ```swift
    /// let rows = try DelimitedNumbers.parse("1,2\n3,4\n", file: "t.csv")   // [[1, 2], [3, 4]]
    /// ```
    public static func parse(_ text: String, file: String, skipFirstLine: Bool = false) throws(DataError) -> [[Double]] {
        var rows: [[Double]] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if skipFirstLine && lineNumber == 1 { continue }
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
            if trimmed.allSatisfy({ $0 == " " }) { continue }
            let cells = trimmed.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            var row: [Double] = []
            row.reserveCapacity(cells.count)
            for (column, cell) in cells.enumerated() {
                guard let v = Double(cell) else {
                    throw DataError(file: file, location: "line \(lineNumber)",
                                    "column \(column + 1): expected a number, found '\(cell.prefix(40))'")
                }
                row.append(v)
            }
            if let first = rows.first, first.count != row.count {
                throw DataError(file: file, location: "line \(lineNumber)",
                                "expected \(first.count) values like line 1, found \(row.count)")
            }
            rows.append(row)
        }
        return rows
    }
}
