// The umbrella module: `import NeuralKit` brings in every NeuralKit module.
@_exported import TensorModule

/// NeuralKit's version.
public let neuralKitVersion = "0.1.0"
