import Foundation
import Testing
import NeuralKit

/// Sizes from outside (model files, options) are checked against the machine's memory before anything is allocated.
@Suite struct MemoryBudgetTests {
    @Test(arguments: [
        ([], 1 as Int?), ([3, 4, 5], 60), ([7, 0, 1 << 62], 0), ([1 << 31, 1 << 31], 1 << 62), ([1 << 32, 1 << 31], nil),
        ([1 << 40, 1 << 40], nil), ([Int.max, 2], nil),
    ] as [([Int], Int?)])
    func elementCountIsNilOnOverflow(shape: [Int], count: Int?) {
        #expect(MemoryBudget.elementCount(shape) == count)
    }

    @Test func sumsAreNilOnOverflowOrUnknown() {
        #expect(MemoryBudget.sum(2, 3) == 5)
        #expect(MemoryBudget.sum(Int.max, 1) == nil)
        #expect(MemoryBudget.sum(nil, 1) == nil)
    }

    @Test func problemsOnlyBeyondTheMachinesMemory() throws {
        let bytes = MemoryBudget.limit.bytes
        #expect(bytes > 1 << 28 && bytes <= MemoryBudget.physicalBytes)
        #expect(MemoryBudget.parameterProblem(parameters: 1_000_000, bytesPerParameter: 16) == nil)
        #expect(MemoryBudget.parameterProblem(parameters: bytes / 16, bytesPerParameter: 16) == nil)
        let over = try #require(MemoryBudget.parameterProblem(parameters: bytes / 16 + 1, bytesPerParameter: 16))
        #expect(over.hasPrefix("the model needs \(bytes / 16 + 1) parameters: "))
        #expect(MemoryBudget.parameterProblem(parameters: nil, bytesPerParameter: 16)?.hasPrefix("the model needs more parameters than can be counted") == true)
        #expect(MemoryBudget.exampleProblem(shape: [28, 28, 1]) == nil)
        #expect(MemoryBudget.exampleProblem(shape: [bytes / 4 + 1]) != nil)
        #expect(MemoryBudget.batchProblem(valuesPerExample: 38_000, batchSize: 128, training: true) == nil)
        // Training keeps each value and its gradient: twice the inference batch.
        let values = bytes / 4 / 100
        #expect(MemoryBudget.batchProblem(valuesPerExample: values, batchSize: 100, training: false) == nil)
        #expect(MemoryBudget.batchProblem(valuesPerExample: values, batchSize: 100, training: true) != nil)
        #expect(MemoryBudget.batchProblem(valuesPerExample: nil, batchSize: 1, training: false) != nil)
    }

    /// The lecture's cnn preset: input, each layer's output, per example.
    @Test func valuesPerExampleAddsEveryLayersOutput() throws {
        let model = Sequential([
            Reshape([28, 28, 1]), Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu), MaxPool2D(),
            Flatten(), Dense(inputSize: 13 * 13 * 32, outputSize: 10),
        ])
        let expected = 784 + 784 + 26 * 26 * 32 + 13 * 13 * 32 + 13 * 13 * 32 + 10
        #expect(try model.valuesPerExample(inputs: [[784]]) == expected)
        #expect(throws: ModuleError.self) { try model.valuesPerExample(inputs: [[785]]) }
    }
}

/// The cgroup limit as a container sets it, from files laid out as Linux lays them out (v2 and v1).
@Suite struct CgroupLimitTests {
    func layout(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nk-cgroup-\(UUID())").path
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func readsVersionTwoAndVersionOneLimits() throws {
        let v2 = try layout(["cgroup": "0::/user.slice/run-1\n", "fs/user.slice/run-1/memory.max": "1073741824\n", "fs/memory.max": "max\n"])
        defer { try? FileManager.default.removeItem(atPath: v2) }
        #expect(MemoryBudget.cgroupLimit(cgroupFile: v2 + "/cgroup", root: v2 + "/fs") == 1 << 30)
        let v1 = try layout(["cgroup": "12:cpu,cpuacct:/docker/abc\n5:memory:/docker/abc\n",
                             "fs/memory/docker/abc/memory.limit_in_bytes": "536870912\n"])
        defer { try? FileManager.default.removeItem(atPath: v1) }
        #expect(MemoryBudget.cgroupLimit(cgroupFile: v1 + "/cgroup", root: v1 + "/fs") == 1 << 29)
        let none = try layout(["cgroup": "0::/\n", "fs/memory.max": "max\n"])
        defer { try? FileManager.default.removeItem(atPath: none) }
        #expect(MemoryBudget.cgroupLimit(cgroupFile: none + "/cgroup", root: none + "/fs") == nil)
        #expect(MemoryBudget.cgroupLimit(cgroupFile: none + "/missing", root: none + "/nowhere") == nil)
    }
}
