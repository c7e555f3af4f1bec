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

    public var description: String { location.isEmpty ? "\(file): \(message)" : "\(file), \(location): \(message)" }
}
