// swift-tools-version:6.0
// NeuralKit: a deep-learning framework in Swift for Linux (CPU first).
import PackageDescription
import Foundation

// `-Xcc -fno-math-errno` lets LLVM turn square roots into vector instructions (sqrtps): the C library's sqrtf may
// set errno, which otherwise forces a scalar call per element (measured 4.5× slower in the Adam update). We never
// read errno. SwiftPM refuses unsafe flags in packages consumed by version from another package: such a consumer
// builds with NEURALKIT_PORTABLE=1 (same results, slower square roots).
// On x86-64 the kernels are compiled for Haswell-class CPUs (AVX2 + FMA, every x86 server and desktop since 2013):
// the SSE2 baseline gives 4-wide loops and no fused multiply-add (conv1 forward measured 9.9 → 7.7 ms). When the
// machine that builds has AVX-512 (F, BW, DQ, VL: the x86-64-v4 level), they are compiled for Skylake-server-class
// CPUs instead (that level's features; LLVM's "x86-64-v4" name is not accepted by the Clang importer), so
// `SIMD16<Float>` is one 512-bit register: CNN step forward + backward 34.8 → 29.7 ms (medians of three alternated
// runs of each binary); the MLP's time is in OpenBLAS and did not change.
// SwiftPM builds from source on the machine that runs the code; to build for another machine, set
// NEURALKIT_CPU to an LLVM CPU name (e.g. `haswell`) or NEURALKIT_PORTABLE=1.
#if arch(x86_64)
let cpuFlags: [String] = {
    if let cpu = ProcessInfo.processInfo.environment["NEURALKIT_CPU"] { return ["-target-cpu", cpu] }
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
    let v4 = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
    return ["-target-cpu", v4 ? "skylake-avx512" : "haswell"]
}()
#else
let cpuFlags: [String] = []
#endif
// The tape, the layers, the optimizer and the training loop touch class properties (nodes, parameters, optimizer
// state) many times per op; in release builds each such access paid a dynamic exclusivity check (swift_beginAccess:
// 36 per step of the Playground-scale network, ~7% of its instructions). Release builds of those targets keep the
// compile-time checks only, as the Swift standard library is built; debug builds keep the run-time checks.
let exclusivitySettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
let kernelSettings: [SwiftSetting] = ProcessInfo.processInfo.environment["NEURALKIT_PORTABLE"] == nil
    ? [.unsafeFlags(["-Xcc", "-fno-math-errno"] + cpuFlags)] + exclusivitySettings : []

let package = Package(
    name: "NeuralKit",
    products: [
        .library(name: "NeuralKit", targets: ["NeuralKit"]),
        .executable(name: "neuralkit", targets: ["neuralkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // `make docs`: the DocC catalog in Sources/NeuralKit/NeuralKit.docc (a command plugin: nothing of it is linked).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS's CBLAS interface (Debian: libopenblas-dev), used for GEMM only.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        // zlib (Debian: zlib1g-dev), for gzip data files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Files: crash-safe writes, whole-file reads with a size limit, gzip, and the error type of every file reader.
        .target(name: "FileIO", dependencies: ["CZlib"]),
        // JSON values, a strict parser, configuration reading with errors that name their JSON path, and the registries
        // through which every family (layers, activations, losses, …) is read by name.
        .target(name: "JSONCoding", dependencies: ["FileIO"]),
        // Tensors, kernels, reverse-mode autodiff and gradient checking.
        .target(name: "TensorModule", dependencies: ["CBLAS"], swiftSettings: kernelSettings),
        // Module, layers, activations, initializers, losses, regularizers.
        .target(name: "NeuralNetworks", dependencies: ["TensorModule", "JSONCoding"], swiftSettings: kernelSettings),
        // Optimizer rules, the optimizer that applies them by parameter name, learning-rate schedules.
        .target(name: "Optimizers", dependencies: ["TensorModule", "NeuralNetworks", "JSONCoding"], swiftSettings: kernelSettings),
        // fit/evaluate/predict, callbacks, metrics, History, progress bar, ensembles.
        .target(name: "Training", dependencies: ["TensorModule", "NeuralNetworks", "Optimizers", "Datasets", "JSONCoding"],
                swiftSettings: kernelSettings),
        // Data: readers, datasets, batch sources.
        .target(name: "Datasets", dependencies: ["TensorModule", "FileIO", "JSONCoding"], resources: [.copy("Resources")]),
        // safetensors, model configuration JSON, crash-safe checkpoints.
        .target(name: "Persistence", dependencies: ["TensorModule", "NeuralNetworks", "Optimizers", "Training", "FileIO", "JSONCoding", "CZlib"]),
        // Whole workflows: a training run with its outputs, a hyperparameter search, a Playground session.
        .target(name: "Workflows", dependencies: ["TensorModule", "NeuralNetworks", "Optimizers", "Training", "Datasets",
                                                    "FileIO", "JSONCoding", "Persistence"]),
        // Umbrella: `import NeuralKit`.
        .target(name: "NeuralKit", dependencies: ["FileIO", "JSONCoding", "TensorModule", "NeuralNetworks", "Optimizers", "Training", "Datasets",
                                                  "Persistence", "Workflows"]),
        // The Playground web server (thin: JSON in, library calls, JSON out) and its page.
        .target(name: "Playground", dependencies: ["NeuralKit", .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "HTTPTypes", package: "swift-http-types")],
                resources: [.copy("Public")]),
        // The command-line tool (thin: parses, calls the library, prints).
        .executableTarget(name: "neuralkit", dependencies: [
            "NeuralKit", "Playground",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Micro-benchmarks (`make bench`), always built in release.
        .executableTarget(name: "Benchmarks", dependencies: ["NeuralKit", "CBLAS"]),
        // Shared test helpers: closeness checks, naive reference implementations, seeded data.
        .target(name: "_TestSupport", dependencies: ["NeuralKit"], path: "Tests/_TestSupport"),
        .testTarget(name: "TensorModuleTests", dependencies: ["NeuralKit", "TensorModule", "_TestSupport"]),
        .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralKit", "_TestSupport"]),
        .testTarget(name: "OptimizersTests", dependencies: ["NeuralKit", "_TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["NeuralKit", "_TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PersistenceTests", dependencies: ["NeuralKit", "Playground", "_TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WorkflowsTests", dependencies: ["NeuralKit", "Playground", "_TestSupport"]),
        .testTarget(name: "PlaygroundTests", dependencies: [
            "Playground", "NeuralKit", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "TrainingTests", dependencies: ["NeuralKit", "_TestSupport"], resources: [.copy("Data")]),
    ],
    swiftLanguageModes: [.v6]
)
