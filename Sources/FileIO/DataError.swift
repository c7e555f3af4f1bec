/// Why a data file could not be read: the file, where in it, and what was expected versus found.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    /// "line 12", "offset 16", … (empty when the problem is the whole file).
    public let location: String
    public let message: String

    public init(file: String, location: String = "", _ message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        DataError.oneLine(location.isEmpty ? "\(file): \(message)" : "\(file), \(location): \(message)")
    }

    /// `text` with its control characters and line separators written as escapes (`\n`, `\u{1B}`), so that a
    /// message quoting what it found in a file stays on one line.
    ///
    /// ```swift
    /// DataError.oneLine("found 'a\nb'")   // "found 'a\\nb'"
    /// ```
    public static func oneLine(_ text: String) -> String {
        func breaks(_ u: Unicode.Scalar) -> Bool {
            [.control, .lineSeparator, .paragraphSeparator].contains(u.properties.generalCategory)
        }
        guard text.unicodeScalars.contains(where: breaks) else { return text }
        return text.unicodeScalars.map { breaks($0) ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
}
