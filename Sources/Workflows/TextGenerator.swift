import Datasets
import FileIO
import JSONCoding
import NeuralNetworks
import Foundation
import TensorModule

/// Samples text from a trained language model (the `charlstm` preset, or any ``Sequential`` from token ids to
/// per-step logits): `neuralkit generate`.
///
/// The prompt runs through the model once; each recurrent layer keeps its final state, so every new token is one step
/// of the model, never a re-run of the text so far. A token is drawn from softmax(logits / temperature), among the
/// `topK` most likely when given; temperature 0 takes the most likely token. Padding and `[UNK]` are never drawn.
///
/// ```swift
/// let generator = try TextGenerator(directory: "shakespeare-run")
/// print(try generator.generate(prompt: "ROMEO:", length: 300, temperature: 0.8, seed: 1))
/// ```
public struct TextGenerator {
    /// The vectorizer's file in a run folder, written by ``TrainingRun`` for text data.
    public static let vectorizerFile = "vectorizer.json"

    /// The language model: token ids [batch, time] to logits [batch, time, tokens].
    public let model: Sequential
    /// The vectorizer that made the model's training ids.
    public let vectorizer: TextVectorizer

    /// A model and the vectorizer that made its training ids.
    public init(model: Sequential, vectorizer: TextVectorizer) {
        self.model = model
        self.vectorizer = vectorizer
    }

    /// The model and vectorizer of a run folder (`model.json`, `weights`, `vectorizer.json`).
    public init(directory: String, weights: String = "final.safetensors") throws {
        let trained = try TrainedModel(directory: directory, weights: weights)
        let path = directory + "/" + TextGenerator.vectorizerFile
        let bytes = try AtomicFile.read(path, limit: 64 << 20)
        let vectorizer: TextVectorizer
        do {
            vectorizer = try TextVectorizer(json: Node(value: try JSONParser.parse(bytes), path: "$"))
        } catch let e as JSONParseError {
            throw DataError(file: path, "invalid JSON at \(e)")
        } catch let e as ConfigError {
            throw DataError(file: path, e.description)
        }
        guard let sequential = trained.model as? Sequential, trained.spec.readsTokenIds,
              sequential.layers.allSatisfy({ !($0 is Bidirectional) }) else {
            throw DataError(file: directory + "/model.json", "generation needs a sequential model that reads token ids and reads them "
                            + "forwards only (Embedding, recurrent layers, Dense)")
        }
        guard try trained.model.outputShape(for: [1, 1]).last == vectorizer.vocabulary.count else {
            throw DataError(file: path, "\(vectorizer.vocabulary.count) tokens do not match the model's output")
        }
        self.init(model: sequential, vectorizer: vectorizer)
    }

    /// `prompt` followed by `length` generated tokens. Throws for an empty prompt, a negative length or temperature,
    /// or `topK` < 1.
    public func generate(prompt: String, length: Int, temperature: Double = 1, topK: Int? = nil, seed: UInt64 = 0) throws -> String {
        let ids = vectorizer.ids(for: prompt)
        guard !ids.isEmpty else { throw DataError(file: "--prompt", "must hold at least one token") }
        guard length >= 0 else { throw DataError(file: "--length", "must not be negative, found \(length)") }
        guard temperature >= 0, temperature.isFinite else { throw DataError(file: "--temperature", "must be 0 or more, found \(temperature)") }
        if let topK, topK < 1 { throw DataError(file: "--top-k", "must be at least 1, found \(topK)") }
        var rng = RandomGenerator(seed: seed)
        var states = States()
        var logits = self.logits(after: ids, states: &states)
        var generated: [Int32] = []
        for _ in 0..<length {
            let next = sample(logits, temperature: temperature, topK: topK, rng: &rng)
            generated.append(next)
            logits = self.logits(after: [next], states: &states)
        }
        return prompt + vectorizer.text(for: generated)
    }

    /// Each recurrent layer's states, by the layer's index in the model (empty: zeros).
    public typealias States = [Int: [Tensor]]

    /// Runs `ids` through the model from `states`, keeps the new states, and returns the logits after the last id:
    /// the ids given one call at a time give what they give in one call.
    ///
    /// ```swift
    /// var states = TextGenerator.States()
    /// _ = generator.logits(after: vectorizer.ids(for: "ROMEO"), states: &states)
    /// let next = generator.logits(after: vectorizer.ids(for: ":"), states: &states)   // as after "ROMEO:"
    /// ```
    public func logits(after ids: [Int32], states: inout States) -> [Double] {
        withoutGradient {
            var x = Tensor(shape: [1, ids.count], integers: ids)
            for (k, layer) in model.layers.enumerated() {
                if let recurrent = layer as? RecurrentLayer {
                    let (output, final) = recurrent.run(x, initialStates: states[k])
                    states[k] = final
                    x = output
                } else {
                    x = layer(x)
                }
            }
            let vocabulary = x.shape.last!
            return Array(x.values.suffix(vocabulary))
        }
    }

    /// One token id drawn from `logits`.
    func sample(_ logits: [Double], temperature: Double, topK: Int?, rng: inout RandomGenerator) -> Int32 {
        // Padding (0) and [UNK] (1) are not text.
        var candidates = Array(2..<logits.count)
        if temperature == 0 { return Int32(candidates.max { logits[$0] < logits[$1] } ?? 0) }
        if let topK, topK < candidates.count {
            candidates = Array(candidates.sorted { logits[$0] > logits[$1] }.prefix(topK))
        }
        let top = candidates.map { logits[$0] }.max() ?? 0
        let weights = candidates.map { exp((logits[$0] - top) / temperature) }
        var u = rng.nextUniform() * weights.reduce(0, +)
        for (c, w) in zip(candidates, weights) {
            u -= w
            if u <= 0 { return Int32(c) }
        }
        return Int32(candidates.last ?? 0)
    }
}
