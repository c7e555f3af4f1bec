import NeuralNetworks

/// Why `fit`, `evaluate` or a callback could not run.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String)
    case shapeMismatch(ModuleError)
    case io(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .shapeMismatch(let e): return e.description
        case .io(let m): return m
        }
    }
}
