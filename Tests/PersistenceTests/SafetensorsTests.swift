import Foundation
import Testing
import NeuralKit

/// A safetensors file from a header text and data bytes (the header length prefix computed).
func safetensorsBytes(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    let n = declaredLength ?? UInt64(h.count)
    return (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) } + h + data
}

@Suite struct SafetensorsTests {
    let fixture = Bundle.module.url(forResource: "python", withExtension: "safetensors", subdirectory: "Fixtures")!.path

    @Test func readsTheFilePythonWrote() throws {
        let file = try Safetensors(contentsOf: fixture)
        #expect(Set(file.entries.keys) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "step", "mask", "scalar"])
        #expect(try file.tensor(named: "layers.0.weight").values == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(try file.tensor(named: "layers.0.weight").shape == [2, 3])
        #expect(try file.tensor(named: "layers.2.weight").dtype == .float64)
        #expect(try file.tensor(named: "layers.2.weight").values == [1e-8, -3.25, 7, 0.1])
        #expect(try file.tensor(named: "step").values == [3, -4, 5])
        #expect(try file.tensor(named: "mask").values == [1, 0, 255])
        #expect(try file.tensor(named: "scalar").shape == [])
        #expect(file.metadata.first { $0.key == "note" }?.value == "NeuralKit fixture \"quoted\" é")
    }

    @Test func rewritesItByteForByte() throws {
        let original = try AtomicFile.read(fixture)
        let file = try Safetensors(bytes: original, source: "fixture")
        #expect(file.serialized() == original)
    }

    @Test func roundTripsTensorsOfEveryWrittenType() throws {
        var file = Safetensors()
        file.set(Tensor(rows: [[1, -2], [3.5, 4]]), named: "w")
        file.set(Tensor([1e300, -0.0], dtype: .float64), named: "d")
        file.set(integers: [Int64.min, 0, Int64.max], shape: [3], named: "i")
        file.set(bytes: [0, 1, 255, 7], shape: [2, 2], named: "u")
        file.metadata = [("epoch", "3")]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nk-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let back = try Safetensors(contentsOf: path)
        #expect(try back.tensor(named: "w") == Tensor(rows: [[1, -2], [3.5, 4]]))
        #expect(try back.tensor(named: "d").values.map(\.bitPattern) == [1e300, -0.0].map(\.bitPattern))
        #expect(back.entries["i"] == file.entries["i"] && back.entries["u"] == file.entries["u"])
        #expect(back.metadata.map(\.value) == ["3"])
        #expect(back.serialized() == file.serialized())
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let message: String
        var testDescription: String { name }
    }

    static let f32 = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    static let eight = [UInt8](repeating: 0, count: 8)

    static let malformed: [Bad] = [
        Bad(name: "shorter than the length prefix", bytes: [1, 2, 3], message: "shorter than the 8-byte header length"),
        Bad(name: "header length past the end", bytes: safetensorsBytes("{}", declaredLength: 50), message: "runs past the end"),
        Bad(name: "absurd header length", bytes: safetensorsBytes("{}", declaredLength: UInt64.max), message: "exceeds"),
        Bad(name: "empty header", bytes: safetensorsBytes(""), message: "does not start with '{'"),
        Bad(name: "non-UTF-8 header", bytes: [2, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF], message: "not valid UTF-8"),
        Bad(name: "not JSON", bytes: safetensorsBytes("{nope}"), message: "not valid JSON"),
        Bad(name: "JSON array header", bytes: safetensorsBytes("[1]"), message: "does not start with '{'"),
        Bad(name: "truncated JSON", bytes: safetensorsBytes("{\"a\":"), message: "not valid JSON"),
        Bad(name: "unknown dtype", bytes: safetensorsBytes(#"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, data: eight + eight),
            message: "unknown dtype 'F128'"),
        Bad(name: "missing dtype", bytes: safetensorsBytes(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), message: "no string dtype"),
        Bad(name: "negative dimension", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            message: "invalid dimension"),
        Bad(name: "fractional dimension", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            message: "invalid dimension"),
        Bad(name: "overflowing shape", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
            message: "overflows"),
        Bad(name: "offsets disagree with shape", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight),
            message: "needs 12"),
        Bad(name: "offsets reversed", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: eight),
            message: "invalid data_offsets"),
        Bad(name: "overlapping tensors", bytes: safetensorsBytes("{" + f32 + #","b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: eight + [0, 0, 0, 0]),
            message: "overlaps"),
        Bad(name: "gap between tensors", bytes: safetensorsBytes("{" + f32 + #","b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}"#, data: eight + eight),
            message: "gap of 4 bytes"),
        Bad(name: "data shorter than declared", bytes: safetensorsBytes("{" + f32 + "}", data: [0, 0, 0, 0]), message: "the header needs 8"),
        Bad(name: "trailing bytes", bytes: safetensorsBytes("{" + f32 + "}", data: eight + [9]), message: "1 trailing bytes"),
        Bad(name: "duplicate names", bytes: safetensorsBytes("{" + f32 + "," + f32 + "}", data: eight + eight), message: "duplicate key \"a\""),
        Bad(name: "metadata not strings", bytes: safetensorsBytes(#"{"__metadata__":{"k":1}}"#), message: "is not a string"),
        Bad(name: "metadata not an object", bytes: safetensorsBytes(#"{"__metadata__":[]}"#), message: "not an object of strings"),
        Bad(name: "offsets not integers", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}"#, data: [0, 0, 0, 0]),
            message: "invalid data_offsets"),
        Bad(name: "unknown field", bytes: safetensorsBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#, data: [0, 0, 0, 0]),
            message: "unknown field 'x'"),
        Bad(name: "garbage after JSON", bytes: safetensorsBytes("{}x"), message: "unexpected data after"),
    ]

    @Test(arguments: malformed)
    func malformedFilesGiveTypedErrors(_ bad: Bad) {
        let error = #expect(throws: DataError.self) { try Safetensors(bytes: bad.bytes, source: "bad.safetensors") }
        #expect(error?.description.contains(bad.message) == true, "\(error?.description ?? "no error")")
    }

    @Test func paddedHeaderWithSpacesIsAccepted() throws {
        let file = try Safetensors(bytes: safetensorsBytes("{" + Self.f32 + "}   ", data: Self.eight), source: "padded")
        #expect(try file.tensor(named: "a").values == [0, 0])
    }

    /// int32 tensors are written as I32; integer entries (I64 ids included) are read as int32 with a range check.
    @Test func integerEntriesReadAsInt32WithARangeCheck() throws {
        var file = Safetensors()
        file.set(Tensor(shape: [2], integers: [Int32.min, 9]), named: "labels")
        file.set(integers: [4, -2, 1 << 40], shape: [3], named: "ids")
        file.set(Tensor([1.5]), named: "weight")
        let back = try Safetensors(bytes: file.serialized(), source: "mem")
        #expect(back.entries["labels"]?.elementType == .i32)
        #expect(try back.tensor(named: "labels", dtype: .int32).integers == [Int32.min, 9])
        let big = #expect(throws: DataError.self) { try back.tensor(named: "ids", dtype: .int32) }
        #expect(big?.description == "safetensors, 'ids' element 2: 1099511627776 does not fit in int32", "\(big?.description ?? "")")
        var small = Safetensors()
        small.set(integers: [4, -2], shape: [2], named: "ids")
        #expect(try small.tensor(named: "ids", dtype: .int32).integers == [4, -2])
        #expect(throws: DataError.self) { try back.tensor(named: "weight", dtype: .int32) }
    }
}
