import Synchronization

/// The fields of one tagged JSON value (`{"type": "leakyRelu", "alpha": 0.1}` without its `type`), with the node
/// they came from, for errors that name their JSON path.
///
/// ```swift
/// let alpha = try fields.double("alpha", default: 0.01)
/// ```
public struct Fields: Sendable {
    /// The value as written: a name or an object.
    public let node: Node
    public let values: [String: Node]

    public init(node: Node, values: [String: Node]) {
        self.node = node
        self.values = values
    }

    public subscript(key: String) -> Node? { values[key] }

    /// The field `key`, or an error naming the value that lacks it.
    public func required(_ key: String) throws(ConfigError) -> Node { try values.required(key, in: node) }

    /// The number in `key`, or `fallback` when the field is left out.
    public func double(_ key: String, default fallback: Double) throws(ConfigError) -> Double {
        try values[key]?.double() ?? fallback
    }

    /// The integer ≥ `minimum` in `key`, or `fallback` when the field is left out.
    public func int(_ key: String, minimum: Int = Int.min, default fallback: Int) throws(ConfigError) -> Int {
        try values[key]?.int(minimum: minimum) ?? fallback
    }

    /// The boolean in `key`, or `fallback` when the field is left out.
    public func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        try values[key]?.bool() ?? fallback
    }
}

/// Every JSON name of one family (activations, layers, losses, …) and how each one reads itself.
///
/// A family's types declare their entries next to their own definitions; the model JSON, the command line's flags
/// and the Playground's menus all read the family through its registry, so a name and its defaults are written once.
/// Code outside NeuralKit may add entries (see ``register(_:)``).
///
/// ```swift
/// let activation = try Activation.registry.decode(Node(value: .string("relu"), path: "$.activation"))
/// Activation.registry.names   // ["linear", "sigmoid", "tanh", "relu", …]
/// ```
public final class Registry<Value>: Sendable {
    /// One JSON name: the fields it may carry and how it becomes a value.
    public struct Entry: Sendable {
        public let name: String
        public let fields: Set<String>
        /// Whether menus and help texts list this name (false for another name of the same thing, like `swish`).
        public let isListed: Bool
        public let decode: @Sendable (Fields) throws(ConfigError) -> Value

        public init(_ name: String, fields: Set<String> = [], isListed: Bool = true,
                    decode: @escaping @Sendable (Fields) throws(ConfigError) -> Value) {
            self.name = name
            self.fields = fields
            self.isListed = isListed
            self.decode = decode
        }
    }

    /// What the family's values are called in errors ("activation", "layer").
    public let family: String
    private let entries: Mutex<(byName: [String: Entry], order: [String])>

    public init(family: String, _ entries: [Entry]) {
        self.family = family
        self.entries = Mutex((Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last }),
                              entries.map(\.name)))
    }

    /// Adds `entry`, or replaces the entry of the same name.
    public func register(_ entry: Entry) {
        entries.withLock { state in
            if state.byName.updateValue(entry, forKey: entry.name) == nil { state.order.append(entry.name) }
        }
    }

    /// The listed names, in the order they were registered.
    public var names: [String] {
        entries.withLock { state in state.order.filter { state.byName[$0]?.isListed == true } }
    }

    /// The entry named `name`, if there is one.
    public func entry(named name: String) -> Entry? { entries.withLock { $0.byName[name] } }

    /// Reads a name (`"relu"`) or an object with a `type` and the entry's fields (`{"type": "elu", "alpha": 0.5}`).
    /// An unknown name or field is an error that names its path and the names allowed there.
    public func decode(_ node: Node) throws(ConfigError) -> Value {
        let (byName, order) = entries.withLock { ($0.byName, $0.order) }
        let (name, values) = try node.tagged(family, allowed: byName.mapValues(\.fields),
                                             listed: order.filter { byName[$0]?.isListed == true })
        return try byName[name]!.decode(Fields(node: node, values: values))
    }

    /// Reads `text` as a name or as JSON (`adam`, `{"type": "adam", "learningRate": 0.01}`), as a command-line flag
    /// gives it; errors name `path`.
    public func decode(text: String, path: String) throws(ConfigError) -> Value {
        guard text.hasPrefix("{") else { return try decode(Node(value: .string(text), path: path)) }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(text.utf8)) } catch { throw ConfigError(path: path, "invalid JSON at \(error)") }
        return try decode(Node(value: value, path: path))
    }
}
