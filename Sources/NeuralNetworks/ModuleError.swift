/// Errors from building, checking and loading modules.
public enum ModuleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A layer cannot take an input of this shape.
    case shapeMismatch(layer: String, expected: String, found: [Int])
    /// A layer is given another number of inputs than it takes.
    case inputCount(layer: String, expected: String, found: Int)
    /// A graph model is put together wrongly (an input not reachable, a name used twice, …).
    case invalidGraph(String)
    /// A saved state lacks a parameter, has an extra one, or has another shape or element type.
    case stateMismatch(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, expected, found):
            return "\(layer): expected input \(expected), found shape \(found)"
        case let .inputCount(layer, expected, found):
            return "\(layer): takes \(expected) input\(expected == "1" ? "" : "s"), given \(found)"
        case let .invalidGraph(message):
            return "graph model: \(message)"
        case let .stateMismatch(message):
            return "state mismatch: \(message)"
        }
    }
}
