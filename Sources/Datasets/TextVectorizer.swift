import FileIO
import JSONCoding
import TensorModule

/// Text to integer ids and back, in the spirit of Keras's `TextVectorization`: characters or words as tokens,
/// optional lower-casing and punctuation stripping, and a vocabulary learned from training text.
///
/// - Id 0 is padding (the empty token) and id 1 stands for any token outside the vocabulary (`[UNK]`), as in Keras.
/// - ``adapt(to:)`` counts the tokens and keeps the most frequent, ties in code-point order, up to ``maximumTokens``
///   ids in all (padding and `[UNK]` included, as Keras's `max_tokens` counts them).
/// - Its JSON form (``json``) saves it with a model, so that a run folder alone can turn text into ids and back.
///
/// ```swift
/// var chars = TextVectorizer(split: .characters)
/// chars.adapt(to: "hello world")
/// chars.vocabulary               // ["", "[UNK]", "l", "o", " ", "d", "e", "h", "r", "w"]
/// chars.ids(for: "hold!")         // [7, 3, 2, 5, 1]
/// chars.text(for: [2, 3, 1])      // "lo[UNK]"
/// ```
public struct TextVectorizer: Sendable, Equatable {
    /// What a token is.
    public enum Split: String, Sendable, CaseIterable {
        /// Each character (grapheme) is a token.
        case characters
        /// Runs of non-whitespace are tokens.
        case words
    }

    public static let padding = "", unknown = "[UNK]"

    public let split: Split
    public let lowercase: Bool
    public let stripPunctuation: Bool
    /// At most this many ids in all (nil: no cap).
    public let maximumTokens: Int?
    /// The token of each id: `""` (padding), `[UNK]`, then the learned tokens.
    public private(set) var vocabulary: [String] = [TextVectorizer.padding, TextVectorizer.unknown]
    private var index: [String: Int32] = [:]

    public init(split: Split = .words, lowercase: Bool = false, stripPunctuation: Bool = false, maximumTokens: Int? = nil) {
        require(maximumTokens.map { $0 >= 2 } ?? true, "TextVectorizer: maximumTokens must be at least 2 (padding and [UNK])")
        self.split = split
        self.lowercase = lowercase
        self.stripPunctuation = stripPunctuation
        self.maximumTokens = maximumTokens
    }

    /// ASCII punctuation, as Keras strips it.
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

    /// The tokens of `text` after lower-casing and punctuation stripping.
    public func tokens(_ text: String) -> [String] {
        var t = lowercase ? text.lowercased() : text
        if stripPunctuation { t.removeAll { TextVectorizer.punctuation.contains($0) } }
        switch split {
        case .characters: return t.map { String($0) }
        case .words: return t.split(whereSeparator: \.isWhitespace).map(String.init)
        }
    }

    /// Learns the vocabulary from `text` (replacing any earlier one).
    public mutating func adapt(to text: String) { adapt(tokens: tokens(text)[...]) }

    /// Learns the vocabulary from tokens ``tokens(_:)`` made.
    mutating func adapt(tokens: ArraySlice<String>) {
        var counts: [String: Int] = [:]
        for token in tokens { counts[token, default: 0] += 1 }
        counts[TextVectorizer.padding] = nil
        counts[TextVectorizer.unknown] = nil
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
        let kept = maximumTokens.map { Swift.max($0 - 2, 0) } ?? ranked.count
        setVocabulary(ranked.prefix(kept).map(\.key))
    }

    private mutating func setVocabulary(_ learned: [String]) {
        vocabulary = [TextVectorizer.padding, TextVectorizer.unknown] + learned
        index = Dictionary(vocabulary.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The ids of `text`'s tokens; a token outside the vocabulary is 1.
    public func ids(for text: String) -> [Int32] { ids(forTokens: tokens(text)[...]) }

    func ids(forTokens tokens: ArraySlice<String>) -> [Int32] { tokens.map { index[$0] ?? 1 } }

    /// The text of `ids`: characters joined as they are, words with a space; padding (0) is left out, and an id
    /// outside the vocabulary reads as `[UNK]`.
    public func text(for ids: [Int32]) -> String {
        let tokens = ids.compactMap { id -> String? in
            id == 0 ? nil : (id > 0 && Int(id) < vocabulary.count ? vocabulary[Int(id)] : TextVectorizer.unknown)
        }
        return tokens.joined(separator: split == .words ? " " : "")
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.split == b.split && a.lowercase == b.lowercase && a.stripPunctuation == b.stripPunctuation && a.maximumTokens == b.maximumTokens
            && a.vocabulary == b.vocabulary
    }

    // MARK: - JSON

    /// `{"split": "characters", "lowercase": false, "stripPunctuation": false, "vocabulary": ["a", "b", …]}` (the
    /// learned tokens, without padding and `[UNK]`; `maximumTokens` when capped).
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("split", .string(split.rawValue)), ("lowercase", .bool(lowercase)),
                                             ("stripPunctuation", .bool(stripPunctuation))]
        if let maximumTokens { fields.append(("maximumTokens", .number(Double(maximumTokens)))) }
        fields.append(("vocabulary", .array(vocabulary.dropFirst(2).map { .string($0) })))
        return .object(fields)
    }

    /// Reads ``json``'s form; errors name their JSON path.
    public init(json node: Node) throws(ConfigError) {
        let f = try node.object(allowed: ["split", "lowercase", "stripPunctuation", "maximumTokens", "vocabulary"])
        let name = try f.required("split", in: node).string()
        guard let split = Split(rawValue: name) else {
            throw f["split"]!.fail("unknown split '\(name)' (expected one of: \(Split.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let maximum = try f["maximumTokens"]?.int(minimum: 2)
        self.init(split: split, lowercase: try f["lowercase"]?.bool() ?? false, stripPunctuation: try f["stripPunctuation"]?.bool() ?? false,
                  maximumTokens: maximum)
        var learned: [String] = [], seen: Set<String> = [TextVectorizer.padding, TextVectorizer.unknown]
        for item in try f.required("vocabulary", in: node).array() {
            let token = try item.string()
            guard seen.insert(token).inserted else { throw item.fail("the token '\(DataError.oneLine(token))' is listed twice, or is reserved") }
            learned.append(token)
        }
        if let maximum, learned.count + 2 > maximum {
            throw ConfigError(path: node.path + ".vocabulary", "\(learned.count) tokens and 2 reserved ids exceed maximumTokens \(maximum)")
        }
        setVocabulary(learned)
    }
}

/// Language-model windows over a token sequence: example k reads the `length` ids starting at k·`length`, and its
/// targets are the next `length` ids (the same window shifted by one), both int32 [length]. The last partial window
/// is dropped.
///
/// ```swift
/// let windows = LanguageModelWindows(ids: chars.ids(for: text), length: 100)
/// let (x, y) = windows.batch([0])   // x = ids[0..<100], y = ids[1...100]
/// ```
public struct LanguageModelWindows: BatchSource, Sendable {
    public let ids: [Int32]
    public let length: Int

    public init(ids: [Int32], length: Int) {
        require(length > 0, "LanguageModelWindows: length must be positive, got \(length)")
        self.ids = ids
        self.length = length
    }

    public var count: Int { ids.isEmpty ? 0 : (ids.count - 1) / length }
    public var exampleShape: [Int] { [length] }

    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        var x: [Int32] = [], y: [Int32] = []
        x.reserveCapacity(indices.count * length)
        y.reserveCapacity(indices.count * length)
        for k in indices {
            x += ids[(k * length)..<((k + 1) * length)]
            y += ids[(k * length + 1)...((k + 1) * length)]
        }
        return (Tensor(shape: [indices.count, length], integers: x), Tensor(shape: [indices.count, length], integers: y))
    }
}

/// UTF-8 text files (gzip allowed), read whole.
///
/// ```swift
/// let plays = try TextFile.read("plays.txt.gz")
/// ```
public enum TextFile {
    /// The text of the file at `path`; a file that is not UTF-8 is a one-line error.
    public static func read(_ path: String) throws(DataError) -> String {
        try decode(Gzip.contents(ofFile: path), file: path)
    }

    /// `bytes` as UTF-8 text; `file` names them in the error.
    public static func decode(_ bytes: [UInt8], file: String) throws(DataError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DataError(file: file, "is not UTF-8 text") }
        return text
    }
}

extension Dataset {
    /// A language-model dataset over `text`, as the peers' character benchmarks cut it: the first `trainFraction` of
    /// the tokens train, the rest test; each part is cut from its start into windows of `length` + 1 ids (the tail
    /// that fills no window is dropped), input = the first `length` ids, targets = the last `length` (int32 [length]
    /// each). The vectorizer learns its vocabulary from the training part; the class names are its tokens, and it
    /// rides along as ``textVectorizer``.
    ///
    /// ```swift
    /// let (train, test) = try Dataset.languageModel(text: plays, name: "shakespeare", length: 100)
    /// train.features.shape   // [9235, 100]
    /// ```
    public static func languageModel(text: String, name: String, vectorizer: TextVectorizer = TextVectorizer(split: .characters),
                                     length: Int = 100, trainFraction: Double = 0.9) throws(DataError) -> (train: Dataset, test: Dataset) {
        require(length > 0 && trainFraction > 0 && trainFraction < 1,
                "Dataset.languageModel: length must be positive and trainFraction in (0, 1), got \(length) and \(trainFraction)")
        var vectorizer = vectorizer
        let tokens = vectorizer.tokens(text)
        let cut = Int(Double(tokens.count) * trainFraction)
        guard cut >= length + 1, tokens.count - cut >= length + 1 else {
            throw DataError(file: name, "has \(tokens.count) tokens, too few for one window of \(length) + 1 in both the training "
                            + "part (the first \(Int(trainFraction * 100))%) and the test part")
        }
        vectorizer.adapt(tokens: tokens[..<cut])
        func part(_ slice: ArraySlice<String>) -> Dataset {
            let windows = slice.count / (length + 1)
            var x: [Int32] = [], y: [Int32] = []
            x.reserveCapacity(windows * length)
            y.reserveCapacity(windows * length)
            var start = slice.startIndex
            for _ in 0..<windows {
                let window = vectorizer.ids(forTokens: slice[start..<(start + length + 1)])
                x += window.dropLast()
                y += window.dropFirst()
                start += length + 1
            }
            var d = Dataset(name: name, features: Tensor(shape: [windows, length], integers: x),
                            targets: Tensor(shape: [windows, length], integers: y), classNames: vectorizer.vocabulary)
            d.textVectorizer = vectorizer
            return d
        }
        return (part(tokens[..<cut]), part(tokens[cut...]))
    }
}
