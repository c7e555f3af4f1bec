import Datasets
import NeuralNetworks
import Optimizers
import Persistence
import Training

/// What `neuralkit train` was asked to do.
public struct RunConfiguration: Sendable {
    /// Where the examples come from: a built-in dataset's name, a CSV file, or IDX or .npy feature/label files.
    public enum DataSource: Sendable, Equatable {
        case builtin(String)
        case csv(path: String, label: CSVReader.LabelColumn)
        case idx(images: String, labels: String)
        /// Features and labels as two .npy files (labels: class indices, or values for regression).
        case npy(features: String, labels: String)
        /// A UTF-8 text (gzip allowed) for a character language model: the first 90% trains, windows of 100.
        case text(path: String)
        /// One column of a CSV file as a positive time series to forecast: windows of 12, the last 12 values to test.
        case series(path: String, column: CSVReader.LabelColumn)
        /// MovieLens-format ratings (`u.data` or `ratings.csv`) for the matrix-factorization preset; 20% to test.
        case ratings(path: String)
    }

    /// The model: a preset's name (`mlp`, `cnn`, …) or a model JSON file.
    public enum ModelSource: Sendable, Equatable {
        case preset(String)
        case specFile(String)
        /// The data's usual preset: `charlstm` for text, `lstm-forecaster` for a series to forecast, `matrix-factorization`
        /// for ratings, `lstm` for other
        /// sequences [time, features] (``Dataset/isSequences``), `mlp` otherwise.
        case automatic
    }

    public var data: DataSource = .builtin(BuiltinDatasets.isFashionMNISTInstalled ? "fashion-mnist" : "digits")
    public var model: ModelSource = .automatic
    /// The optimizer rule, replacing the model's (nil: the model file's or the preset's).
    public var optimizer: (any OptimizerRule)?
    /// The base learning rate, replacing the optimizer's.
    public var learningRate: Double?
    /// The learning-rate schedule, replacing the model's.
    public var schedule: Schedule?
    public var epochs = 10
    public var batchSize = 128
    public var validationSplit = 0.1
    public var earlyStoppingPatience: Int?
    public var seed: UInt64 = 0
    public var outputDirectory = "neuralkit-run"
    public var resume = false
    /// Also checkpoint every this many batches inside an epoch (0: at epoch ends only).
    public var checkpointEveryBatches = 0
    public var verbose = true
    /// Image augmentation for training batches (image datasets only).
    public var augmentation: [ImageTransform] = []

    public init() {}

    /// A learning-rate schedule for a run: a given one, or a cosine decay to 0 over every step of the run (its length
    /// follows from the data, the batch size and the epochs).
    public enum Schedule: Sendable, Equatable {
        case given(LearningRateSchedule)
        case cosineOverTheRun
    }

    /// ``model`` with ``ModelSource/automatic`` resolved for the training data.
    func model(for train: Dataset) -> ModelSource {
        guard model == .automatic else { return model }
        if train.textVectorizer != nil { return .preset("charlstm") }
        if train.forecast != nil { return .preset("lstm-forecaster") }
        if train.idColumnCounts != nil { return .preset("matrix-factorization") }
        return .preset(train.isSequences ? "lstm" : "mlp")
    }

    /// The presets `--model` accepts.
    public static let presets = ["linear", "mlp", "cnn", "cnn-strong", "lstm", "charlstm", "lstm-forecaster", "matrix-factorization"]
}
