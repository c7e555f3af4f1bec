import Foundation
import Testing
import NeuralKit
import _TestSupport

/// NeuralKit's safetensors against Python's `safetensors` library itself (pinned in tools/requirements-test.txt;
/// `make test` installs it into .venv first): Python reads every dtype NeuralKit writes, bit for bit, and NeuralKit
/// reads every dtype Python writes that it supports, refusing the others with a typed error.
@Suite(.serialized) struct SafetensorsInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let interpreter = Self.root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            Issue.record("no \(interpreter): run `make venv` (make test does)")
            return (-1, "")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: interpreter)
        p.arguments = [Self.root.appendingPathComponent("tools/safetensors_interop.py").path] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test func pythonReadsEveryDtypeNeuralKitWrites() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var file = Safetensors()
        var rng = RandomGenerator(seed: 5)
        let f32 = Tensor.randomNormal([3, 4], standardDeviation: 10, using: &rng)
        let f64 = Tensor(shape: [2, 2], values: [1e-300, -2.5e-10, 3.141592653589793, 1e300], dtype: .float64)
        let ints: [Int64] = [-(1 << 53), -1, 0, 1 << 53]
        let bytes: [UInt8] = [0, 1, 128, 255]
        file.set(f32, named: "layers.0.weight")
        file.set(f64, named: "double")
        file.set(integers: ints, shape: [4], named: "step")
        file.set(bytes: bytes, shape: [2, 2], named: "mask")
        file.metadata = [("format", "neuralkit-weights-1"), ("note", "é \"quoted\"")]
        try file.write(to: tmp.file("nk.safetensors"))
        func entry(_ dtype: String, _ shape: [Int], _ values: [Double]) -> JSONValue {
            .object([("dtype", .string(dtype)), ("shape", .array(shape.map { .number(Double($0)) })), ("values", .array(values.map { .number($0) }))])
        }
        let expected = JSONValue.object([
            ("tensors", .object([
                ("layers.0.weight", entry("float32", [3, 4], f32.values)), ("double", entry("float64", [2, 2], f64.values)),
                ("step", entry("int64", [4], ints.map(Double.init))), ("mask", entry("uint8", [2, 2], bytes.map(Double.init))),
            ])),
            ("metadata", .object([("format", .string("neuralkit-weights-1")), ("note", .string("é \"quoted\""))])),
        ])
        try AtomicFile.write(expected.compactText, to: tmp.file("expected.json"))
        let run = try python(["read", tmp.file("nk.safetensors"), tmp.file("expected.json")])
        #expect(run.status == 0 && run.output == "python read 4 tensors: float32, float64, int64, uint8\n", "\(run.output)")
    }

    @Test func neuralKitReadsEveryDtypePythonWrites() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let run = try python(["write", tmp.path])
        #expect(run.status == 0, "\(run.output)")
        guard run.status == 0 else { return }
        let expected = try JSONParser.parse(try AtomicFile.read(tmp.file("expected.json")))
        guard case .object(let tensors)? = expected["tensors"], case .array(let unsupported)? = expected["unsupported"] else {
            Issue.record("expected.json: \(expected)"); return
        }
        let names: [String: String] = ["bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16", "int32": "I32",
                                       "uint32": "U32", "int64": "I64", "uint64": "U64", "float16": "F16", "bfloat16": "BF16",
                                       "float32": "F32", "float64": "F64"]
        #expect(Set(tensors.map(\.key)) == Set(names.keys), "every dtype NeuralKit reads is written by Python")
        let supported = try Safetensors(bytes: AtomicFile.read(tmp.file("supported.safetensors")), source: "supported")
        #expect(supported.metadata.first { $0.key == "writer" }?.value == "python")
        for (name, value) in tensors {
            var file = supported
            if case .string(let other)? = value["file"] {
                file = try Safetensors(bytes: AtomicFile.read(tmp.file(other)), source: other)
            }
            guard case .array(let values)? = value["values"], case .array(let shape)? = value["shape"] else { Issue.record("\(name): no values or shape"); continue }
            let entry = try #require(file.entries[name], "\(name)")
            #expect(entry.elementType.rawValue == names[name], "\(name)")
            let tensor = try file.tensor(named: name, dtype: .float64)
            #expect(tensor.shape == shape.map { if case .number(let x) = $0 { Int(x) } else { -1 } }, "\(name)")
            let want = values.map { if case .number(let x) = $0 { x } else { Double.nan } }
            #expect(tensor.values == want, "\(name): \(tensor.values) vs \(want)")
        }
        let wireNames = ["complex64": "C64", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2"]
        #expect(unsupported.count == 3)
        for case .string(let dtype) in unsupported {
            let error = #expect(throws: DataError.self) { try Safetensors(bytes: AtomicFile.read(tmp.file("\(dtype).safetensors")), source: dtype) }
            #expect(error?.description.contains("unknown dtype '\(wireNames[dtype] ?? dtype)'") == true, "\(error?.description ?? "")")
        }
    }
}
