import NeuralNetworks
import TensorModule

/// One layer of a ``ModelSpec``. Input sizes are not written: they follow from the model's input shape.
public enum LayerSpec: Equatable, Sendable {
    case dense(units: Int, activation: Activation, useBias: Bool, weightInitializer: Initializer,
               biasInitializer: Initializer, weightRegularizer: Regularizer?, biasRegularizer: Regularizer?)
    case dropout(rate: Double)
    case batchNorm(momentum: Double, epsilon: Double)
    /// Standardizes each feature (channel) with statistics adapted to the training data (``Normalization``), or
    /// with the given ones: one value for every feature, or one per feature.
    case normalization(mean: [Double]?, variance: [Double]?)
    case activation(Activation)
    case prelu(shared: Bool, initialAlpha: Double)
    case maxout(units: Int, pieces: Int)
    case flatten
    case reshape([Int])
    case conv2d(filters: Int, kernelSize: [Int], strides: [Int], padding: Padding, dilation: [Int], activation: Activation,
                useBias: Bool)
    case maxPool2d(poolSize: [Int], strides: [Int]?, padding: Padding)
    case avgPool2d(poolSize: [Int], strides: [Int]?, padding: Padding)
    case globalAveragePool2d
    /// A table of vectors for int32 ids (``Embedding``); with `maskZero`, id 0 is padding and makes a mask.
    case embedding(vocabularySize: Int, dimension: Int, maskZero: Bool)
    /// The mean over time of [time, features], over the positions a mask keeps (``GlobalAveragePooling1D``).
    case globalAveragePool1d
    /// The elementwise sum of two or more inputs (broadcasting), in a graph model.
    case add
    /// The elementwise product of two or more inputs (broadcasting), in a graph model.
    case multiply
    /// Two or more inputs joined along `axis` (counted with the batch axis; -1 is the last), in a graph model.
    case concatenate(axis: Int)

    /// A convolution with stride 1, valid padding and no dilation.
    public static func conv2d(_ filters: Int, _ kernel: Int, activation: Activation = .identity, padding: Padding = .valid) -> LayerSpec {
        .conv2d(filters: filters, kernelSize: [kernel, kernel], strides: [1, 1], padding: padding, dilation: [1, 1],
                activation: activation, useBias: true)
    }

    /// A normalization adapted to the training data.
    public static var normalization: LayerSpec { .normalization(mean: nil, variance: nil) }

    /// A Dense layer with Keras's defaults.
    public static func dense(_ units: Int, activation: Activation = .identity) -> LayerSpec {
        .dense(units: units, activation: activation, useBias: true, weightInitializer: .glorotUniform,
               biasInitializer: .zeros, weightRegularizer: nil, biasRegularizer: nil)
    }

    /// The features of a flat per-example input, or an error saying the layer needs one.
    private func features(_ input: [Int]) throws(ConfigError) -> Int {
        guard input.count == 1 else {
            throw ConfigError(path: "$", "\(typeName) needs a flat input, found shape \(input) (add a flatten layer)")
        }
        return input[0]
    }

    /// The per-example output shape for per-example input shape `input`, from the spec alone: the layers that hold
    /// weights are not built, so checking or summarizing a model allocates nothing of its size.
    public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
        switch self {
        case .dense(let units, _, _, _, _, _, _), .maxout(let units, _):
            _ = try features(input)
            return [units]
        case let .conv2d(filters, k, s, padding, d, _, _):
            guard input.count == 3 else {
                throw ConfigError(path: "$", "conv2d needs an image input [height, width, channels], found shape \(input) (add a reshape layer)")
            }
            do {
                let g = try WindowGeometry(input: [1] + input, kernel: (k[0], k[1]), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                                           padding: padding, op: "conv2d")
                return [g.outputHeight, g.outputWidth, filters]
            } catch {
                let layer = "Conv2D(\(input[2])→\(filters), \(k[0])×\(k[1]))"
                throw ConfigError(path: "$", ModuleError.shapeMismatch(layer: layer, expected: error.message, found: [1] + input).description)
            }
        case .prelu:
            return input
        case let .embedding(_, dimension, _):
            return input + [dimension]
        case .add, .multiply, .concatenate:
            throw ConfigError(path: "$", "\(typeName) joins two or more inputs: use it in a graph model (\"nodes\")")
        default:
            return try build(input: input).1   // no weights to speak of: building is as cheap as the shape
        }
    }

    /// Builds the layer for per-example input shape `input`; returns it with its per-example output shape.
    public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
        func features() throws(ConfigError) -> Int { try self.features(input) }
        switch self {
        case let .dense(units, activation, useBias, wi, bi, wr, br):
            let n = try features()
            return (Dense(inputSize: n, outputSize: units, activation: activation, useBias: useBias, weightInitializer: wi,
                          biasInitializer: bi, weightRegularizer: wr, biasRegularizer: br), [units])
        case .dropout(let rate): return (Dropout(rate: rate), input)
        case let .batchNorm(m, e):
            guard let last = input.last else { throw ConfigError(path: "$", "batchNorm needs an input with features") }
            return (BatchNorm(featureCount: last, momentum: m, epsilon: e), input)
        case let .normalization(mean, variance):
            guard let last = input.last else { throw ConfigError(path: "$", "normalization needs an input with features") }
            guard let mean, let variance else { return (Normalization(featureCount: last), input) }
            func perFeature(_ values: [Double], _ name: String) throws(ConfigError) -> Tensor {
                guard values.count == 1 || values.count == last else {
                    throw ConfigError(path: "$", "normalization \(name) has \(values.count) values for \(last) features (give 1 or \(last))")
                }
                guard values.allSatisfy({ $0.isFinite && (name == "mean" || $0 >= 0) }) else {
                    throw ConfigError(path: "$", "normalization \(name) needs finite values\(name == "mean" ? "" : " ≥ 0"), found \(values)")
                }
                return Tensor(values.count == 1 ? Array(repeating: values[0], count: last) : values)
            }
            return (Normalization(mean: try perFeature(mean, "mean"), variance: try perFeature(variance, "variance")), input)
        case .activation(let a): return (ActivationLayer(a), input)
        case let .prelu(shared, alpha):
            return (PReLU(featureCount: shared ? nil : input.last, initialAlpha: alpha), input)
        case let .maxout(units, pieces):
            return (Maxout(inputSize: try features(), outputSize: units, pieceCount: pieces), [units])
        case .flatten: return (Flatten(), [MemoryBudget.elementCount(input) ?? Int.max])
        case .reshape(let shape):
            guard let count = MemoryBudget.elementCount(shape), count == MemoryBudget.elementCount(input) else {
                throw ConfigError(path: "$", "reshape to \(shape) does not fit input shape \(input)")
            }
            return (Reshape(shape), shape)
        case let .conv2d(filters, k, s, padding, d, activation, useBias):
            guard input.count == 3 else {
                throw ConfigError(path: "$", "conv2d needs an image input [height, width, channels], found shape \(input) (add a reshape layer)")
            }
            let layer = Conv2D(inputChannels: input[2], filters: filters, kernelSize: (k[0], k[1]), strides: (s[0], s[1]), padding: padding,
                               dilation: (d[0], d[1]), activation: activation, useBias: useBias)
            return (layer, try LayerSpec.shape(layer, input))
        case let .maxPool2d(p, s, padding), let .avgPool2d(p, s, padding):
            guard input.count == 3 else { throw ConfigError(path: "$", "pooling needs an image input, found shape \(input)") }
            let stride = s.map { ($0[0], $0[1]) }
            let layer: Module = if case .maxPool2d = self { MaxPool2D(poolSize: (p[0], p[1]), strides: stride, padding: padding) }
                                else { AvgPool2D(poolSize: (p[0], p[1]), strides: stride, padding: padding) }
            return (layer, try LayerSpec.shape(layer, input))
        case .globalAveragePool2d:
            guard input.count == 3 else { throw ConfigError(path: "$", "globalAveragePool2d needs an image input, found shape \(input)") }
            return (GlobalAveragePool2D(), [input[2]])
        case let .embedding(vocabularySize, dimension, maskZero):
            return (Embedding(vocabularySize: vocabularySize, dimension: dimension, maskZero: maskZero), input + [dimension])
        case .globalAveragePool1d:
            guard input.count == 2 else { throw ConfigError(path: "$", "globalAveragePool1d needs a sequence input [time, features], found shape \(input)") }
            return (GlobalAveragePooling1D(), [input[1]])
        case .add, .multiply, .concatenate:
            return try build(inputs: [input])
        }
    }

    /// Builds the layer for the per-example shapes of its inputs (layers that join tensors take two or more, every
    /// other layer one); returns it with its per-example output shape.
    public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) {
        let layer: Module
        switch self {
        case .add: layer = Add()
        case .multiply: layer = Multiply()
        case .concatenate(let axis): layer = Concatenate(axis: axis)
        default:
            guard inputs.count == 1 else { throw ConfigError(path: "$", "\(typeName) takes one input, given \(inputs.count)") }
            return try build(input: inputs[0])
        }
        do { return (layer, Array(try layer.outputShape(forInputs: inputs.map { [1] + $0 }).dropFirst())) } catch {
            throw ConfigError(path: "$", error.description)
        }
    }

    /// The per-example output shape for the shapes of its inputs, from the spec alone (see ``outputShape(input:)``).
    public func outputShape(inputs: [[Int]]) throws(ConfigError) -> [Int] {
        switch self {
        case .add, .multiply, .concatenate: return try build(inputs: inputs).1
        default:
            guard inputs.count == 1 else { throw ConfigError(path: "$", "\(typeName) takes one input, given \(inputs.count)") }
            return try outputShape(input: inputs[0])
        }
    }

    /// The values this layer holds for per-example input shape `input` (weights, biases, batch normalization's
    /// statistics), from the spec alone; nil when the count overflows `Int`. 0 for an input the layer cannot take
    /// (``build(input:)`` reports that).
    func parameterCount(input: [Int]) -> Int? {
        let features = input.count == 1 ? input[0] : 0, channels = input.count == 3 ? input[2] : 0
        switch self {
        case let .dense(units, _, useBias, _, _, _, _):
            return MemoryBudget.sum(MemoryBudget.elementCount([features, units]), useBias ? units : 0)
        case let .maxout(units, pieces): return MemoryBudget.elementCount([features + 1, units, pieces])
        case let .conv2d(filters, k, _, _, _, _, useBias):
            return MemoryBudget.sum(MemoryBudget.elementCount([k[0], k[1], channels, filters]), useBias ? filters : 0)
        case let .embedding(vocabularySize, dimension, _): return MemoryBudget.elementCount([vocabularySize, dimension])
        case .batchNorm: return 4 * (input.last ?? 0)
        case .normalization: return 2 * (input.last ?? 0)
        case .prelu(let shared, _): return shared ? 1 : input.last ?? 0
        case .dropout, .activation, .flatten, .reshape, .maxPool2d, .avgPool2d, .globalAveragePool2d, .globalAveragePool1d, .add, .multiply,
             .concatenate:
            return 0
        }
    }

    /// The parameters among ``parameterCount(input:)`` that training changes (not batch normalization's running
    /// statistics, nor a normalization's).
    func trainableParameterCount(input: [Int]) -> Int? {
        switch self {
        case .batchNorm: return 2 * (input.last ?? 0)
        case .normalization: return 0
        default: return parameterCount(input: input)
        }
    }

    /// Its settings in a few words, for summaries ("256 relu", "3×3").
    var details: String {
        func act(_ a: Activation) -> String { a == .identity ? "" : " " + a.name }
        switch self {
        case let .dense(units, activation, _, _, _, _, _): return "\(units)" + act(activation)
        case let .conv2d(filters, k, _, _, _, activation, _): return "\(filters) \(k[0])×\(k[1])" + act(activation)
        case let .maxPool2d(p, _, _), let .avgPool2d(p, _, _): return "\(p[0])×\(p[1])"
        case .dropout(let rate): return "rate \(rate)"
        case .activation(let a): return a.name
        case let .maxout(units, pieces): return "\(units)×\(pieces)"
        case .reshape(let shape): return "\(shape)"
        case .concatenate(let axis): return axis == -1 ? "" : "axis \(axis)"
        case let .embedding(vocabularySize, dimension, maskZero): return "\(vocabularySize)×\(dimension)" + (maskZero ? " maskZero" : "")
        default: return ""
        }
    }

    static func shape(_ layer: Module, _ input: [Int]) throws(ConfigError) -> [Int] {
        do { return Array(try layer.outputShape(for: [1] + input).dropFirst()) } catch {
            throw ConfigError(path: "$", error.description)
        }
    }

    var typeName: String {
        switch self {
        case .dense: return "dense"
        case .dropout: return "dropout"
        case .batchNorm: return "batchNorm"
        case .normalization: return "normalization"
        case .activation: return "activation"
        case .prelu: return "prelu"
        case .maxout: return "maxout"
        case .flatten: return "flatten"
        case .reshape: return "reshape"
        case .conv2d: return "conv2d"
        case .maxPool2d: return "maxPool2d"
        case .avgPool2d: return "avgPool2d"
        case .globalAveragePool2d: return "globalAveragePool2d"
        case .embedding: return "embedding"
        case .globalAveragePool1d: return "globalAveragePool1d"
        case .add: return "add"
        case .multiply: return "multiply"
        case .concatenate: return "concatenate"
        }
    }

    /// The spec of an existing layer, if it is one NeuralKit knows.
    public static func describing(_ module: Module) -> LayerSpec? {
        switch module {
        case let d as Dense:
            // Initializers are not recoverable from trained weights; the spec records Keras's defaults.
            return .dense(units: d.outputSize, activation: d.activation, useBias: d.bias != nil, weightInitializer: .glorotUniform,
                          biasInitializer: .zeros, weightRegularizer: d.weight.regularizer, biasRegularizer: d.bias?.regularizer)
        case let d as Dropout: return .dropout(rate: d.rate)
        case let b as BatchNorm: return .batchNorm(momentum: b.momentum, epsilon: b.epsilon)
        case let n as Normalization:
            return n.isAdaptable ? .normalization : .normalization(mean: n.mean.value.values, variance: n.variance.value.values)
        case let a as ActivationLayer: return .activation(a.activation)
        case let p as PReLU: return .prelu(shared: p.alpha.value.count == 1, initialAlpha: 0.25)
        case let m as Maxout: return .maxout(units: m.outputSize, pieces: m.pieceCount)
        case is Flatten: return .flatten
        case let r as Reshape: return .reshape(r.shape)
        case let c as Conv2D:
            return .conv2d(filters: c.filters, kernelSize: [c.kernelSize.0, c.kernelSize.1], strides: [c.strides.0, c.strides.1],
                           padding: c.padding, dilation: [c.dilation.0, c.dilation.1], activation: c.activation, useBias: c.bias != nil)
        case let p as Pool2D:
            let size = [p.poolSize.0, p.poolSize.1], strides = [p.strides.0, p.strides.1]
            return p.kind == .max ? .maxPool2d(poolSize: size, strides: strides, padding: p.padding)
                                  : .avgPool2d(poolSize: size, strides: strides, padding: p.padding)
        case is GlobalAveragePool2D: return .globalAveragePool2d
        case let e as Embedding: return .embedding(vocabularySize: e.vocabularySize, dimension: e.dimension, maskZero: e.maskZero)
        case is GlobalAveragePooling1D: return .globalAveragePool1d
        case is Add: return .add
        case is Multiply: return .multiply
        case let c as Concatenate: return .concatenate(axis: c.axis)
        default: return nil
        }
    }

    static let fields: [String: Set<String>] = [
        "dense": ["units", "activation", "useBias", "weightInitializer", "biasInitializer", "weightRegularizer", "biasRegularizer"],
        "dropout": ["rate"], "batchNorm": ["momentum", "epsilon"], "normalization": ["mean", "variance"], "activation": ["activation"],
        "prelu": ["shared", "initialAlpha"], "maxout": ["units", "pieces"], "flatten": [], "reshape": ["shape"],
        "conv2d": ["filters", "kernelSize", "strides", "padding", "dilation", "activation", "useBias"],
        "maxPool2d": ["poolSize", "strides", "padding"], "avgPool2d": ["poolSize", "strides", "padding"], "globalAveragePool2d": [],
        "add": [], "multiply": [], "concatenate": ["axis"], "embedding": ["vocabularySize", "dimension", "maskZero"],
        "globalAveragePool1d": [],
    ]

    /// A pair like [3, 3] (a single number means both).
    static func pair(_ node: Node?, default d: [Int]?) throws(ConfigError) -> [Int]? {
        guard let node else { return d }
        if case .number = node.value { let n = try node.int(minimum: 1); return [n, n] }
        let xs = try node.ints()
        guard xs.count == 2 else { throw node.fail("expected two sizes [height, width], found \(xs.count)") }
        return xs
    }

    static func padding(_ node: Node?) throws(ConfigError) -> Padding {
        guard let node else { return .valid }
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

    static func paddingJSON(_ p: Padding) -> JSONValue {
        switch p {
        case .valid: return .string("valid")
        case .same: return .string("same")
        case let .explicit(t, b, l, r): return .array([t, b, l, r].map { .number(Double($0)) })
        }
    }

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("layer", allowed: LayerSpec.fields)
        func r(_ k: String) throws(ConfigError) -> Node { try f.required(k, in: node) }
        switch name {
        case "dense":
            self = .dense(units: try r("units").int(minimum: 1),
                          activation: try f["activation"].map { n throws(ConfigError) in try Activation(json: n) } ?? .identity,
                          useBias: try f["useBias"]?.bool() ?? true,
                          weightInitializer: try f["weightInitializer"].map { n throws(ConfigError) in try Initializer(json: n) } ?? .glorotUniform,
                          biasInitializer: try f["biasInitializer"].map { n throws(ConfigError) in try Initializer(json: n) } ?? .zeros,
                          weightRegularizer: try f["weightRegularizer"].map { n throws(ConfigError) in try Regularizer(json: n) },
                          biasRegularizer: try f["biasRegularizer"].map { n throws(ConfigError) in try Regularizer(json: n) })
        case "dropout":
            let rate = try r("rate").double()
            guard rate >= 0 && rate < 1 else { throw f["rate"]!.fail("rate must be in [0, 1), found \(rate)") }
            self = .dropout(rate: rate)
        case "batchNorm":
            let m = try f["momentum"]?.double() ?? 0.99
            guard (0...1).contains(m) else { throw f["momentum"]!.fail("momentum must be in [0, 1]") }
            let e = try f["epsilon"]?.double() ?? 1e-3
            guard e >= 0 && e.isFinite else { throw f["epsilon"]!.fail("epsilon must be a finite number ≥ 0, found \(e)") }
            self = .batchNorm(momentum: m, epsilon: e)
        case "activation": self = .activation(try Activation(json: try r("activation")))
        case "prelu": self = .prelu(shared: try f["shared"]?.bool() ?? false, initialAlpha: try f["initialAlpha"]?.double() ?? 0.25)
        case "maxout": self = .maxout(units: try r("units").int(minimum: 1), pieces: try f["pieces"]?.int(minimum: 1) ?? 2)
        case "flatten": self = .flatten
        case "normalization":
            func values(_ key: String) throws(ConfigError) -> [Double]? {
                guard let node = f[key] else { return nil }
                var xs: [Double] = []
                if case .number = node.value { xs = [try node.double()] } else { for x in try node.array() { xs.append(try x.double()) } }
                guard !xs.isEmpty, xs.allSatisfy(\.isFinite) else { throw node.fail("expected a number or a non-empty array of numbers") }
                return xs
            }
            let mean = try values("mean"), variance = try values("variance")
            guard (mean == nil) == (variance == nil) else {
                throw node.fail("normalization needs both mean and variance, or neither (then it adapts to the training data)")
            }
            if let variance, let bad = variance.first(where: { $0 < 0 }) {
                throw f["variance"]!.fail("variances must be ≥ 0, found \(bad)")
            }
            self = .normalization(mean: mean, variance: variance)
        case "conv2d":
            self = .conv2d(filters: try r("filters").int(minimum: 1), kernelSize: try LayerSpec.pair(try r("kernelSize"), default: nil)!,
                           strides: try LayerSpec.pair(f["strides"], default: [1, 1])!, padding: try LayerSpec.padding(f["padding"]),
                           dilation: try LayerSpec.pair(f["dilation"], default: [1, 1])!,
                           activation: try f["activation"].map { n throws(ConfigError) in try Activation(json: n) } ?? .identity,
                           useBias: try f["useBias"]?.bool() ?? true)
        case "maxPool2d", "avgPool2d":
            let p = try LayerSpec.pair(f["poolSize"], default: [2, 2])!
            let s = try LayerSpec.pair(f["strides"], default: nil) ?? p   // stride defaults to the pool size
            let pad = try LayerSpec.padding(f["padding"])
            self = name == "maxPool2d" ? .maxPool2d(poolSize: p, strides: s, padding: pad) : .avgPool2d(poolSize: p, strides: s, padding: pad)
        case "globalAveragePool2d": self = .globalAveragePool2d
        case "embedding":
            self = .embedding(vocabularySize: try r("vocabularySize").int(minimum: 1), dimension: try r("dimension").int(minimum: 1),
                              maskZero: try f["maskZero"]?.bool() ?? false)
        case "globalAveragePool1d": self = .globalAveragePool1d
        case "add": self = .add
        case "multiply": self = .multiply
        case "concatenate":
            let axis = try f["axis"]?.int() ?? -1
            guard axis != 0 else { throw f["axis"]!.fail("the batch axis 0 cannot be joined") }
            self = .concatenate(axis: axis)
        default: self = .reshape(try r("shape").ints())
        }
    }

    var json: JSONValue {
        func obj(_ fields: [(String, JSONValue)]) -> JSONValue { .object([("type", .string(typeName))] + fields.map { ($0.0, $0.1) }) }
        switch self {
        case let .dense(units, activation, useBias, wi, bi, wr, br):
            var f: [(String, JSONValue)] = [("units", .number(Double(units))), ("activation", activation.json)]
            if !useBias { f.append(("useBias", .bool(false))) }
            if wi != .glorotUniform { f.append(("weightInitializer", wi.json)) }
            if bi != .zeros { f.append(("biasInitializer", bi.json)) }
            if let wr { f.append(("weightRegularizer", wr.json)) }
            if let br { f.append(("biasRegularizer", br.json)) }
            return obj(f)
        case .dropout(let rate): return obj([("rate", .number(rate))])
        case let .batchNorm(m, e): return obj([("momentum", .number(m)), ("epsilon", .number(e))])
        case .activation(let a): return obj([("activation", a.json)])
        case let .prelu(shared, alpha): return obj([("shared", .bool(shared)), ("initialAlpha", .number(alpha))])
        case let .maxout(units, pieces): return obj([("units", .number(Double(units))), ("pieces", .number(Double(pieces)))])
        case .flatten, .globalAveragePool2d, .globalAveragePool1d, .normalization(nil, nil), .add, .multiply: return obj([])
        case let .embedding(vocabularySize, dimension, maskZero):
            return obj([("vocabularySize", .number(Double(vocabularySize))), ("dimension", .number(Double(dimension))), ("maskZero", .bool(maskZero))])
        case .concatenate(let axis): return obj(axis == -1 ? [] : [("axis", .number(Double(axis)))])
        case let .normalization(mean, variance):
            func numbers(_ xs: [Double]?) -> JSONValue { .array((xs ?? []).map { .number($0) }) }
            return obj([("mean", numbers(mean)), ("variance", numbers(variance))])
        case .reshape(let s): return obj([("shape", .array(s.map { .number(Double($0)) }))])
        case let .conv2d(filters, k, s, p, d, a, b):
            func ints(_ x: [Int]) -> JSONValue { .array(x.map { .number(Double($0)) }) }
            return obj([("filters", .number(Double(filters))), ("kernelSize", ints(k)), ("strides", ints(s)),
                        ("padding", LayerSpec.paddingJSON(p)), ("dilation", ints(d)), ("activation", a.json), ("useBias", .bool(b))])
        case let .maxPool2d(p, s, pad), let .avgPool2d(p, s, pad):
            func ints(_ x: [Int]) -> JSONValue { .array(x.map { .number(Double($0)) }) }
            return obj([("poolSize", ints(p))] + (s.map { [("strides", ints($0))] } ?? []) + [("padding", LayerSpec.paddingJSON(pad))])
        }
    }
}
