import ArgumentParser
import NeuralKit

@main
struct NeuralKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neuralkit",
        abstract: "NeuralKit: train neural networks natively in Swift on Linux.",
        version: neuralKitVersion,
        subcommands: [Examples.self],
        defaultSubcommand: Examples.self
    )
}

/// Runs the lectures' seed examples through the library and prints their numbers.
struct Examples: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the lectures' worked examples, computed by NeuralKit.")

    func run() {
        print("NeuralKit \(neuralKitVersion)")
        for example in SeedExamples.all { print(example()) }
    }
}
