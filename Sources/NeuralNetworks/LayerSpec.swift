import JSONCoding
import TensorModule

/// A layer's settings as model JSON stores them (not its weights), and how they build the layer for the shapes of
/// its inputs. Each layer declares its configuration in its own file, beside the layer: its JSON name, its fields
/// and their defaults, how it reads and writes them, and how it builds. Keras's `get_config`/`from_config` play
/// this part there.
///
/// A layer of your own joins model JSON by conforming to ``UnaryLayerConfiguration`` (or this protocol for a layer
/// with several inputs) and registering with ``LayerSpec/register(_:)``:
///
/// ```swift
/// struct Scale: UnaryLayerConfiguration {
///     static let typeName = "scale"
///     static let fieldNames: Set<String> = ["factor"]
///     var factor: Double
///     init(factor: Double) { self.factor = factor }
///     init(fields: Fields) throws(ConfigError) { factor = try fields.double("factor", default: 2) }
///     var jsonFields: [(String, JSONValue)] { [("factor", .number(factor))] }
///     func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { (ScaleLayer(factor), input) }
/// }
/// LayerSpec.register(Scale.self)
/// ```
public protocol LayerConfiguration: Sendable {
    /// The JSON `type` (`"dense"`).
    static var typeName: String { get }
    /// The JSON fields it may carry besides `type`; any other field is an error naming its path.
    static var fieldNames: Set<String> { get }
    /// Reads the fields; the defaults of fields left out are written here, and nowhere else.
    init(fields: Fields) throws(ConfigError)
    /// The fields written to model JSON besides `type`.
    var jsonFields: [(String, JSONValue)] { get }
    /// Builds the layer for the per-example shapes of its inputs; returns it with its per-example output shape.
    func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int])
    /// The per-example output shape, without allocating weights (default: builds the layer).
    func outputShape(inputs: [[Int]]) throws(ConfigError) -> [Int]
    /// The values the layer holds for these input shapes (weights, biases, running statistics), without allocating
    /// them; nil when the count overflows `Int` (default: 0).
    func parameterCount(inputs: [[Int]]) -> Int?
    /// The values among ``parameterCount(inputs:)`` that training changes (default: all of them).
    func trainableParameterCount(inputs: [[Int]]) -> Int?
    /// Its settings in a few words, for summaries (`"256 relu"`, `"3×3"`; default: none).
    var details: String { get }
}

extension LayerConfiguration {
    public func outputShape(inputs: [[Int]]) throws(ConfigError) -> [Int] { try build(inputs: inputs).1 }
    public func parameterCount(inputs: [[Int]]) -> Int? { 0 }
    public func trainableParameterCount(inputs: [[Int]]) -> Int? { parameterCount(inputs: inputs) }
    public var details: String { "" }
}

/// The configuration of a layer that takes one input (most layers).
public protocol UnaryLayerConfiguration: LayerConfiguration {
    /// Builds the layer for per-example input shape `input`; returns it with its per-example output shape.
    func build(input: [Int]) throws(ConfigError) -> (Module, [Int])
    /// The per-example output shape without allocating weights (default: builds the layer).
    func outputShape(input: [Int]) throws(ConfigError) -> [Int]
    /// See ``LayerConfiguration/parameterCount(inputs:)`` (default: 0).
    func parameterCount(input: [Int]) -> Int?
    /// See ``LayerConfiguration/trainableParameterCount(inputs:)`` (default: all of them).
    func trainableParameterCount(input: [Int]) -> Int?
}

extension UnaryLayerConfiguration {
    public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { try build(input: input).1 }
    public func parameterCount(input: [Int]) -> Int? { 0 }
    public func trainableParameterCount(input: [Int]) -> Int? { parameterCount(input: input) }

    public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try build(input: try Self.single(inputs)) }
    public func outputShape(inputs: [[Int]]) throws(ConfigError) -> [Int] { try outputShape(input: try Self.single(inputs)) }
    public func parameterCount(inputs: [[Int]]) -> Int? { inputs.count == 1 ? parameterCount(input: inputs[0]) : 0 }
    public func trainableParameterCount(inputs: [[Int]]) -> Int? { inputs.count == 1 ? trainableParameterCount(input: inputs[0]) : 0 }

    static func single(_ inputs: [[Int]]) throws(ConfigError) -> [Int] {
        guard inputs.count == 1 else { throw ConfigError(path: "$", "\(typeName) takes one input, given \(inputs.count)") }
        return inputs[0]
    }

    /// The size of a flat per-example input, or an error saying this layer needs one.
    public func features(_ input: [Int]) throws(ConfigError) -> Int {
        guard input.count == 1 else {
            throw ConfigError(path: "$", "\(Self.typeName) needs a flat input, found shape \(input) (add a flatten layer)")
        }
        return input[0]
    }

    /// `layer`'s per-example output shape for per-example input `input`, its shape errors as configuration errors.
    public func shape(of layer: Module, input: [Int]) throws(ConfigError) -> [Int] {
        do { return Array(try layer.outputShape(for: [1] + input).dropFirst()) } catch {
            throw ConfigError(path: "$", error.description)
        }
    }
}

/// The configuration of a layer without settings (flatten, add, …): its JSON is its `type` alone.
public protocol FieldlessLayerConfiguration: LayerConfiguration {
    init()
}

extension FieldlessLayerConfiguration {
    public static var fieldNames: Set<String> { [] }
    public init(fields: Fields) { self.init() }
    public var jsonFields: [(String, JSONValue)] { [] }
}

/// A layer that can say which configuration builds it again (every layer NeuralKit ships; yours too, for
/// ``LayerSpec/describing(_:)`` to save it).
public protocol ConfigurableLayer: Module {
    var configuration: any LayerConfiguration { get }
}

/// One layer of a model spec: a ``LayerConfiguration`` of any registered type.
///
/// ```swift
/// let spec = LayerSpec.dense(128, activation: .relu)
/// spec.json.compactText   // {"type":"dense","units":128,"activation":"relu"}
/// ```
public struct LayerSpec: Equatable, Sendable {
    public let configuration: any LayerConfiguration

    public init(_ configuration: any LayerConfiguration) { self.configuration = configuration }

    /// The layers model JSON knows by name. Built-in layers are listed here; ``register(_:)`` adds yours.
    public static let registry = Registry<any LayerConfiguration>(family: "layer", [
        Dense.Configuration.self, Dropout.Configuration.self, BatchNorm.Configuration.self, Normalization.Configuration.self,
        ActivationLayer.Configuration.self, PReLU.Configuration.self, Maxout.Configuration.self, Flatten.Configuration.self,
        Reshape.Configuration.self, Conv2D.Configuration.self, MaxPool2D.Configuration.self, AvgPool2D.Configuration.self,
        GlobalAveragePool2D.Configuration.self, Embedding.Configuration.self, GlobalAveragePooling1D.Configuration.self,
        Add.Configuration.self, Multiply.Configuration.self, Concatenate.Configuration.self,
        LayerNormalization.Configuration.self, SimpleRNN.Configuration.self, LSTM.Configuration.self, GRU.Configuration.self,
        Bidirectional.Configuration.self, Masking.Configuration.self, Dot.Configuration.self,
    ].map(entry))

    /// Adds a layer type to model JSON (or replaces the one of the same name).
    public static func register(_ type: any LayerConfiguration.Type) { registry.register(entry(type)) }

    private static func entry(_ type: any LayerConfiguration.Type) -> Registry<any LayerConfiguration>.Entry {
        .init(type.typeName, fields: type.fieldNames) { f throws(ConfigError) in try type.init(fields: f) }
    }

    /// Reads `{"type": …, fields…}`, naming the JSON path of any problem.
    public init(json node: Node) throws(ConfigError) { configuration = try LayerSpec.registry.decode(node) }

    public var json: JSONValue { .object([("type", .string(typeName))] + configuration.jsonFields.map { ($0.0, $0.1) }) }

    public var typeName: String { type(of: configuration).typeName }
    public var details: String { configuration.details }

    /// The spec of an existing layer, if it can say (``ConfigurableLayer``).
    public static func describing(_ module: Module) -> LayerSpec? {
        (module as? ConfigurableLayer).map { LayerSpec($0.configuration) }
    }

    public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try configuration.build(inputs: inputs) }
    public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { try configuration.build(inputs: [input]) }
    public func outputShape(inputs: [[Int]]) throws(ConfigError) -> [Int] { try configuration.outputShape(inputs: inputs) }
    public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { try configuration.outputShape(inputs: [input]) }
    public func parameterCount(input: [Int]) -> Int? { configuration.parameterCount(inputs: [input]) }
    public func trainableParameterCount(input: [Int]) -> Int? { configuration.trainableParameterCount(inputs: [input]) }

    public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.json == b.json }
}

// MARK: - Field readers shared by the layers' configurations

extension Fields {
    /// A pair like [3, 3] in `key` (a single number means both), or `fallback` when it is left out.
    public func pair(_ key: String, default fallback: [Int]?) throws(ConfigError) -> [Int]? {
        guard let node = self[key] else { return fallback }
        if case .number = node.value { let n = try node.int(minimum: 1); return [n, n] }
        let xs = try node.ints()
        guard xs.count == 2 else { throw node.fail("expected two sizes [height, width], found \(xs.count)") }
        return xs
    }

    /// A padding in `key`: `valid` (when left out), `same`, or [top, bottom, left, right].
    public func padding(_ key: String) throws(ConfigError) -> Padding {
        guard let node = self[key] else { return .valid }
        if case .string(let s) = node.value {
            switch s {
            case "valid": return .valid
            case "same": return .same
            default: throw node.fail("unknown padding '\(s)' (expected valid, same, or [top, bottom, left, right])")
            }
        }
        let xs = try node.array()
        guard xs.count == 4 else { throw node.fail("explicit padding needs [top, bottom, left, right]") }
        var v: [Int] = []
        for x in xs { v.append(try x.int(minimum: 0)) }
        return .explicit(top: v[0], bottom: v[1], left: v[2], right: v[3])
    }

    /// The activation in `key`, or linear when it is left out.
    public func activation(_ key: String) throws(ConfigError) -> Activation {
        try self[key].map { n throws(ConfigError) in try Activation(json: n) } ?? .identity
    }
}

extension JSONValue {
    /// A padding as model JSON writes it.
    public init(_ padding: Padding) {
        switch padding {
        case .valid: self = .string("valid")
        case .same: self = .string("same")
        case let .explicit(t, b, l, r): self = .array([t, b, l, r].map { .number(Double($0)) })
        }
    }

    /// Integers as a JSON array.
    public init(_ ints: [Int]) { self = .array(ints.map { .number(Double($0)) }) }
}
