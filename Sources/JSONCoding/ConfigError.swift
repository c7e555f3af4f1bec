import FileIO

/// A problem in a JSON configuration: the JSON path of the offending value (`$.layers[2].units`) and what was
/// expected there.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { DataError.oneLine("\(path): \(message)") }
}

/// A JSON value with its path, for reading configurations with errors that say where (`$.hidden[1].neurons`).
///
/// ```swift
/// let root = Node(value: try JSONParser.parse(bytes), path: "$")
/// let rate = try root.object()["learningRate"]?.double() ?? 0.03
/// ```
public struct Node: Sendable {
    public let value: JSONValue
    public let path: String

    public init(value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    public func fail(_ m: String) -> ConfigError { ConfigError(path: path, m) }

    public var kind: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(let n): return "the number \(n)"
        case .string(let s): return "the string \"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    public func object(allowed: Set<String>? = nil) throws(ConfigError) -> [String: Node] {
        guard case .object(let members) = value else { throw fail("expected an object, found \(kind)") }
        var out: [String: Node] = [:]
        for (k, v) in members {
            if let allowed, !allowed.contains(k) {
                throw ConfigError(path: path + "." + k, "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            out[k] = Node(value: v, path: path + "." + k)
        }
        return out
    }

    public func array() throws(ConfigError) -> [Node] {
        guard case .array(let items) = value else { throw fail("expected an array, found \(kind)") }
        return items.enumerated().map { Node(value: $1, path: "\(path)[\($0)]") }
    }

    public func string() throws(ConfigError) -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(kind)") }
        return s
    }

    public func double() throws(ConfigError) -> Double {
        guard case .number(let n) = value, n.isFinite else { throw fail("expected a number, found \(kind)") }
        return n
    }

    public func int(minimum: Int = Int.min) throws(ConfigError) -> Int {
        guard case .number(let n) = value, n == n.rounded(), Swift.abs(n) < 1e15 else {
            throw fail("expected an integer, found \(kind)")
        }
        guard Int(n) >= minimum else { throw fail("expected an integer ≥ \(minimum), found \(Int(n))") }
        return Int(n)
    }

    public func bool() throws(ConfigError) -> Bool {
        guard case .bool(let b) = value else { throw fail("expected true or false, found \(kind)") }
        return b
    }

    public func ints() throws(ConfigError) -> [Int] {
        var out: [Int] = []
        for item in try array() { out.append(try item.int(minimum: 1)) }
        return out
    }

    /// A name (`"relu"`) or an object with a `type` field (`{"type": "leakyRelu", "alpha": 0.1}`): the name and
    /// the other fields.
    /// An unknown name is an error listing `listed` (default: every allowed name, sorted).
    public func tagged(_ what: String, allowed: [String: Set<String>], listed: [String]? = nil) throws(ConfigError)
        -> (String, [String: Node]) {
        let name: String
        var fields: [String: Node] = [:]
        if case .string(let s) = value {
            name = s
        } else if case .object = value {
            let all = try object()
            guard let t = all["type"] else { throw fail("missing field 'type'") }
            name = try t.string()
            fields = all
            fields["type"] = nil
        } else {
            throw fail("expected a \(what) name or object, found \(kind)")
        }
        guard let keys = allowed[name] else {
            throw fail("unknown \(what) '\(name)' (expected one of: \((listed ?? allowed.keys.sorted()).joined(separator: ", ")))")
        }
        if let extra = fields.keys.first(where: { !keys.contains($0) }) {
            throw ConfigError(path: path + "." + extra, "unknown field for \(what) '\(name)'")
        }
        return (name, fields)
    }
}

extension Dictionary where Key == String, Value == Node {
    public func required(_ key: String, in node: Node) throws(ConfigError) -> Node {
        guard let v = self[key] else { throw node.fail("missing field '\(key)'") }
        return v
    }
}
