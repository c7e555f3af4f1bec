// The umbrella module: `import NeuralKit` brings in every NeuralKit module.
@_exported import FileIO
@_exported import JSONCoding
@_exported import TensorModule
@_exported import NeuralNetworks
@_exported import Optimizers
@_exported import Training
@_exported import Datasets
@_exported import Persistence
@_exported import Workflows

/// NeuralKit's version.
public let neuralKitVersion = "0.1.0"
