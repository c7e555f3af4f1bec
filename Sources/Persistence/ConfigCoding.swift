import NeuralNetworks
import Optimizers
import TensorModule
import Training

// JSON forms of activations, initializers, regularizers, losses, metrics, optimizer rules and schedules: each is a
// name (`"relu"`) or an object with a `type` and its settings (`{"type": "leakyRelu", "alpha": 0.1}`).

extension Activation {
    static let fields: [String: Set<String>] = [
        "linear": [], "identity": [], "sigmoid": [], "tanh": [], "relu": [], "softplus": [], "softmax": [],
        "leakyRelu": ["alpha"], "elu": ["alpha"], "selu": [], "gelu": ["approximate"], "silu": [], "swish": [],
        "softsign": [],
    ]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("activation", allowed: Activation.fields)
        switch name {
        case "linear", "identity": self = .identity
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "softplus": self = .softplus
        case "softmax": self = .softmax
        case "selu": self = .selu
        case "gelu": self = .gelu(approximate: try f["approximate"]?.bool() ?? false)
        case "silu", "swish": self = .silu   // Keras's name for the same function
        case "softsign": self = .softsign
        case "leakyRelu": self = .leakyRelu(alpha: try f["alpha"]?.double() ?? 0.01)
        default: self = .elu(alpha: try f["alpha"]?.double() ?? 1)
        }
    }

    var json: JSONValue {
        switch self {
        case .identity: return .string("linear")
        case .sigmoid: return .string("sigmoid")
        case .tanh: return .string("tanh")
        case .relu: return .string("relu")
        case .softplus: return .string("softplus")
        case .softmax: return .string("softmax")
        case .selu: return .string("selu")
        case .gelu(let approximate):
            return approximate ? .object([("type", .string("gelu")), ("approximate", .bool(true))]) : .string("gelu")
        case .silu: return .string("silu")
        case .softsign: return .string("softsign")
        case .leakyRelu(let a): return .object([("type", .string("leakyRelu")), ("alpha", .number(a))])
        case .elu(let a): return .object([("type", .string("elu")), ("alpha", .number(a))])
        }
    }
}

extension Initializer {
    static let fields: [String: Set<String>] = [
        "zeros": [], "ones": [], "constant": ["value"], "uniform": ["lowerBound", "upperBound"],
        "normal": ["standardDeviation"], "glorotUniform": [], "glorotNormal": [], "heUniform": [], "heNormal": [],
        "lecunNormal": [],
    ]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("initializer", allowed: Initializer.fields)
        switch name {
        case "zeros": self = .zeros
        case "ones": self = .ones
        case "constant": self = .constant(try f.required("value", in: node).double())
        case "uniform": self = .uniform(lowerBound: try f["lowerBound"]?.double() ?? -0.05, upperBound: try f["upperBound"]?.double() ?? 0.05)
        case "normal": self = .normal(standardDeviation: try f["standardDeviation"]?.double() ?? 0.05)
        case "glorotUniform": self = .glorotUniform
        case "glorotNormal": self = .glorotNormal
        case "heUniform": self = .heUniform
        case "heNormal": self = .heNormal
        default: self = .lecunNormal
        }
    }

    var json: JSONValue {
        switch self {
        case .zeros: return .string("zeros")
        case .ones: return .string("ones")
        case .constant(let v): return .object([("type", .string("constant")), ("value", .number(v))])
        case let .uniform(lo, hi): return .object([("type", .string("uniform")), ("lowerBound", .number(lo)), ("upperBound", .number(hi))])
        case .normal(let s): return .object([("type", .string("normal")), ("standardDeviation", .number(s))])
        case .glorotUniform: return .string("glorotUniform")
        case .glorotNormal: return .string("glorotNormal")
        case .heUniform: return .string("heUniform")
        case .heNormal: return .string("heNormal")
        case .lecunNormal: return .string("lecunNormal")
        }
    }
}

extension Regularizer {
    static let fields: [String: Set<String>] = ["l1": ["rate"], "l2": ["rate"], "elasticNet": ["l1", "l2"]]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("regularizer", allowed: Regularizer.fields)
        switch name {
        case "l1": self = .l1(try f.required("rate", in: node).double())
        case "l2": self = .l2(try f.required("rate", in: node).double())
        default: self = .elasticNet(l1: try f.required("l1", in: node).double(), l2: try f.required("l2", in: node).double())
        }
    }

    var json: JSONValue {
        switch self {
        case .l1(let r): return .object([("type", .string("l1")), ("rate", .number(r))])
        case .l2(let r): return .object([("type", .string("l2")), ("rate", .number(r))])
        case let .elasticNet(a, b): return .object([("type", .string("elasticNet")), ("l1", .number(a)), ("l2", .number(b))])
        }
    }
}

extension Loss {
    static let fields: [String: Set<String>] = [
        "meanSquaredError": ["reduction"], "meanAbsoluteError": ["reduction"], "binaryCrossEntropy": ["reduction"],
        "binaryCrossEntropyWithLogits": ["reduction"], "softmaxCrossEntropy": ["reduction"],
        "softmaxCrossEntropyWithProbabilities": ["reduction"], "huber": ["delta", "reduction"],
    ]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("loss", allowed: Loss.fields)
        var reduction = Reduction.mean
        if let r = f["reduction"] {
            guard let v = Reduction(rawValue: try r.string()) else { throw r.fail("unknown reduction (expected mean, sum or none)") }
            reduction = v
        }
        let kind: Kind
        switch name {
        case "meanSquaredError": kind = .meanSquaredError
        case "meanAbsoluteError": kind = .meanAbsoluteError
        case "binaryCrossEntropy": kind = .binaryCrossEntropy
        case "binaryCrossEntropyWithLogits": kind = .binaryCrossEntropyWithLogits
        case "softmaxCrossEntropy": kind = .softmaxCrossEntropy
        case "softmaxCrossEntropyWithProbabilities": kind = .softmaxCrossEntropyWithProbabilities
        default: kind = .huber(delta: try f["delta"]?.double() ?? 1)
        }
        self.init(kind, reduction: reduction)
    }

    var json: JSONValue {
        let name: String
        var extra: [(key: String, value: JSONValue)] = []
        switch kind {
        case .meanSquaredError: name = "meanSquaredError"
        case .meanAbsoluteError: name = "meanAbsoluteError"
        case .binaryCrossEntropy: name = "binaryCrossEntropy"
        case .binaryCrossEntropyWithLogits: name = "binaryCrossEntropyWithLogits"
        case .softmaxCrossEntropy: name = "softmaxCrossEntropy"
        case .softmaxCrossEntropyWithProbabilities: name = "softmaxCrossEntropyWithProbabilities"
        case .huber(let d):
            name = "huber"
            extra = [("delta", .number(d))]
        }
        if reduction == .mean && extra.isEmpty { return .string(name) }
        return .object([("type", .string(name))] + extra + [("reduction", .string(reduction.rawValue))])
    }
}

extension Metric {
    static let fields: [String: Set<String>] = [
        "accuracy": [], "binaryAccuracy": ["threshold"], "categoricalAccuracy": [], "sparseCategoricalAccuracy": [],
        "topKAccuracy": ["k"], "meanAbsoluteError": [], "meanSquaredError": [],
    ]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("metric", allowed: Metric.fields)
        switch name {
        case "accuracy": self = .accuracy
        case "binaryAccuracy": self = .binaryAccuracy(threshold: try f["threshold"]?.double() ?? 0.5)
        case "categoricalAccuracy": self = .categoricalAccuracy
        case "sparseCategoricalAccuracy": self = .sparseCategoricalAccuracy
        case "topKAccuracy": self = .topKAccuracy(try f["k"]?.int(minimum: 1) ?? 5)
        case "meanAbsoluteError": self = .meanAbsoluteError
        default: self = .meanSquaredError
        }
    }

    var json: JSONValue {
        switch self {
        case .accuracy: return .string("accuracy")
        case .binaryAccuracy(let t): return .object([("type", .string("binaryAccuracy")), ("threshold", .number(t))])
        case .categoricalAccuracy: return .string("categoricalAccuracy")
        case .sparseCategoricalAccuracy: return .string("sparseCategoricalAccuracy")
        case .topKAccuracy(let k): return .object([("type", .string("topKAccuracy")), ("k", .number(Double(k)))])
        case .meanAbsoluteError: return .string("meanAbsoluteError")
        case .meanSquaredError: return .string("meanSquaredError")
        }
    }
}

/// An optimizer rule's JSON form.
enum RuleCoding {
    static let fields: [String: Set<String>] = [
        "sgd": ["learningRate", "momentum", "nesterov"], "adagrad": ["learningRate", "epsilon"],
        "adadelta": ["learningRate", "rho", "epsilon"], "rmsprop": ["learningRate", "rho", "epsilon"],
        "adam": ["learningRate", "beta1", "beta2", "epsilon", "amsgrad", "weightDecay"],
        "adamw": ["learningRate", "beta1", "beta2", "epsilon", "amsgrad", "weightDecay"],
    ]

    static func decode(_ node: Node) throws(ConfigError) -> any OptimizerRule {
        let (name, f) = try node.tagged("optimizer", allowed: fields)
        func d(_ k: String, _ v: Double) throws(ConfigError) -> Double {
            guard let n = f[k] else { return v }
            let x = try n.double()
            guard x >= 0 else { throw n.fail("expected a non-negative number, found \(x)") }
            return x
        }
        switch name {
        // A field left out takes the rule's own default (its initializer's), written nowhere else.
        case "sgd":
            let z = SGD()
            let m = try d("momentum", z.momentum)
            guard m < 1 else { throw f["momentum"]!.fail("momentum must be below 1") }
            return SGD(learningRate: try d("learningRate", z.learningRate), momentum: m, nesterov: try f["nesterov"]?.bool() ?? z.nesterov)
        case "adagrad":
            let z = Adagrad()
            return Adagrad(learningRate: try d("learningRate", z.learningRate), epsilon: try d("epsilon", z.epsilon))
        case "adadelta":
            let z = Adadelta()
            return Adadelta(learningRate: try d("learningRate", z.learningRate), rho: try d("rho", z.rho), epsilon: try d("epsilon", z.epsilon))
        case "rmsprop":
            let z = RMSProp()
            return RMSProp(learningRate: try d("learningRate", z.learningRate), rho: try d("rho", z.rho), epsilon: try d("epsilon", z.epsilon))
        default:
            let z = name == "adamw" ? AdamW() : Adam()
            let b1 = try d("beta1", z.beta1), b2 = try d("beta2", z.beta2)
            guard b1 < 1, b2 < 1 else { throw node.fail("beta1 and beta2 must be below 1") }
            return Adam(learningRate: try d("learningRate", z.learningRate), beta1: b1, beta2: b2, epsilon: try d("epsilon", z.epsilon),
                        amsgrad: try f["amsgrad"]?.bool() ?? z.amsgrad, weightDecay: try d("weightDecay", z.weightDecay))
        }
    }

    static func encode(_ rule: any OptimizerRule) -> JSONValue {
        func obj(_ t: String, _ fields: [(String, JSONValue)]) -> JSONValue { .object([("type", .string(t))] + fields.map { ($0.0, $0.1) }) }
        switch rule {
        case let r as SGD:
            return obj("sgd", [("learningRate", .number(r.learningRate)), ("momentum", .number(r.momentum)), ("nesterov", .bool(r.nesterov))])
        case let r as Adagrad: return obj("adagrad", [("learningRate", .number(r.learningRate)), ("epsilon", .number(r.epsilon))])
        case let r as Adadelta:
            return obj("adadelta", [("learningRate", .number(r.learningRate)), ("rho", .number(r.rho)), ("epsilon", .number(r.epsilon))])
        case let r as RMSProp:
            return obj("rmsprop", [("learningRate", .number(r.learningRate)), ("rho", .number(r.rho)), ("epsilon", .number(r.epsilon))])
        case let r as Adam:
            return obj(r.weightDecay > 0 ? "adamw" : "adam", [
                ("learningRate", .number(r.learningRate)), ("beta1", .number(r.beta1)), ("beta2", .number(r.beta2)),
                ("epsilon", .number(r.epsilon)), ("amsgrad", .bool(r.amsgrad)), ("weightDecay", .number(r.weightDecay)),
            ])
        default: return obj(rule.name, [("learningRate", .number(rule.learningRate))])
        }
    }
}

extension LearningRateSchedule {
    static let fields: [String: Set<String>] = [
        "constant": [], "stepDecay": ["factor", "stepSize"], "multiStep": ["milestones", "factor"], "exponential": ["factor"],
        "inverseTime": ["decayRate", "decaySteps"], "inverseSquareRoot": [], "cosine": ["totalSteps", "minimum"],
        "cosineWarmRestarts": ["period", "periodFactor", "minimum"], "triangular": ["maximum", "stepSize"],
        "triangular2": ["maximum", "stepSize"], "warmup": ["steps", "startFactor", "then"],
    ]

    init(json node: Node) throws(ConfigError) {
        let (name, f) = try node.tagged("schedule", allowed: LearningRateSchedule.fields)
        func r(_ k: String) throws(ConfigError) -> Node { try f.required(k, in: node) }
        switch name {
        case "constant": self = .constant
        case "stepDecay": self = .stepDecay(factor: try r("factor").double(), stepSize: try r("stepSize").int(minimum: 1))
        case "multiStep": self = .multiStep(milestones: try r("milestones").ints(), factor: try r("factor").double())
        case "exponential": self = .exponential(factor: try r("factor").double())
        case "inverseTime": self = .inverseTime(decayRate: try r("decayRate").double(), decaySteps: try f["decaySteps"]?.int(minimum: 1) ?? 1)
        case "inverseSquareRoot": self = .inverseSquareRoot
        case "cosine": self = .cosine(totalSteps: try r("totalSteps").int(minimum: 1), minimum: try f["minimum"]?.double() ?? 0)
        case "cosineWarmRestarts":
            self = .cosineWarmRestarts(period: try r("period").int(minimum: 1), periodFactor: try f["periodFactor"]?.int(minimum: 1) ?? 1,
                                       minimum: try f["minimum"]?.double() ?? 0)
        case "triangular": self = .triangular(maximum: try r("maximum").double(), stepSize: try r("stepSize").int(minimum: 1))
        case "triangular2": self = .triangular2(maximum: try r("maximum").double(), stepSize: try r("stepSize").int(minimum: 1))
        default:
            self = .warmup(steps: try r("steps").int(minimum: 1), startFactor: try f["startFactor"]?.double() ?? 0.1,
                           then: try LearningRateSchedule(json: try r("then")))
        }
    }

    var json: JSONValue {
        func obj(_ t: String, _ fields: [(String, JSONValue)]) -> JSONValue { .object([("type", .string(t))] + fields.map { ($0.0, $0.1) }) }
        func n(_ x: Double) -> JSONValue { .number(x) }
        func i(_ x: Int) -> JSONValue { .number(Double(x)) }
        switch self {
        case .constant: return .string("constant")
        case let .stepDecay(f, s): return obj("stepDecay", [("factor", n(f)), ("stepSize", i(s))])
        case let .multiStep(m, f): return obj("multiStep", [("milestones", .array(m.map(i))), ("factor", n(f))])
        case let .exponential(f): return obj("exponential", [("factor", n(f))])
        case let .inverseTime(d, s): return obj("inverseTime", [("decayRate", n(d)), ("decaySteps", i(s))])
        case .inverseSquareRoot: return .string("inverseSquareRoot")
        case let .cosine(t, m): return obj("cosine", [("totalSteps", i(t)), ("minimum", n(m))])
        case let .cosineWarmRestarts(p, f, m): return obj("cosineWarmRestarts", [("period", i(p)), ("periodFactor", i(f)), ("minimum", n(m))])
        case let .triangular(m, s): return obj("triangular", [("maximum", n(m)), ("stepSize", i(s))])
        case let .triangular2(m, s): return obj("triangular2", [("maximum", n(m)), ("stepSize", i(s))])
        case let .warmup(s, f, then): return obj("warmup", [("steps", i(s)), ("startFactor", n(f)), ("then", then.json)])
        }
    }
}
