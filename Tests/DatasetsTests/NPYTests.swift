import Foundation
import Testing
import NeuralKit

@Suite struct NPYTests {
    func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: name, withExtension: "npy", subdirectory: "Fixtures")!.path
    }

    @Test(arguments: ["le_f4", "le_f8", "le_i1", "le_i2", "le_i4", "le_i8", "le_u1", "le_u2", "le_u4", "le_u8",
                      "be_f8", "be_i4", "v2", "v3"])
    func everyDtypeReadsAndRoundTrips(_ name: String) throws {
        let bytes = try AtomicFile.read(fixture(name))
        let a = try NPYArray(bytes: bytes, file: name)
        #expect(a.shape == [2, 3])
        #expect(a.tensor().values == [1, 2, 3, 4, 5, 6])
        // Written back: version-1 files are reproduced byte for byte; v2/v3 files read back to the same array.
        let rewritten = a.serialized()
        if name.hasPrefix("le_") || name.hasPrefix("be_") { #expect(rewritten == bytes) }
        #expect(try NPYArray(bytes: rewritten, file: "again") == a)
    }

    @Test func boolAndScalar() throws {
        #expect(try NPYArray(contentsOf: fixture("bool")).tensor().values == [1, 0, 1, 0, 0, 1])
        let s = try NPYArray(contentsOf: fixture("scalar"))
        #expect(s.shape == [] && s.tensor().values == [2.5])
        #expect(s.serialized() == (try AtomicFile.read(fixture("scalar"))))
    }

    @Test func tensorsRoundTrip() throws {
        let t = Tensor(rows: [[1.5, -2], [0, 7]])
        let back = try NPYArray(bytes: NPYArray(t).serialized(), file: "mem").tensor()
        #expect(back == t)
    }

    @Test func objectAndFortranArraysAreRefused() {
        let object = #expect(throws: DataError.self) { try NPYArray(contentsOf: fixture("object")) }
        #expect(object?.message.contains("object arrays") == true)
        let fortran = #expect(throws: DataError.self) { try NPYArray(contentsOf: fixture("fortran")) }
        #expect(fortran?.message.contains("Fortran-order") == true)
    }

    @Test func aHugeDeclaredShapeIsRefusedBeforeAllocating() {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let n = header.utf8.count
        let bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)
            + [UInt8](repeating: 0, count: 100 - 10 - n > 0 ? 100 - 10 - n : 20)
        let error = #expect(throws: DataError.self) { try NPYArray(bytes: bytes, file: "huge.npy") }
        #expect(error?.message.contains("needs 8000000000000 bytes") == true)
    }

    @Test func malformedHeadersGiveTypedErrors() {
        #expect(throws: DataError.self) { try NPYArray(bytes: Array("not numpy".utf8), file: "x") }
        #expect(throws: DataError.self) { try NPYArray(bytes: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 9, 0, 0, 0], file: "x") }
        #expect(throws: DataError.self) { try NPYArray(bytes: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0x00, 0x7B], file: "x") }
    }

    /// Integer arrays (numpy's int8…uint64, bool, either byte order) read as int32, never through a float.
    @Test(arguments: ["le_i1", "le_i2", "le_i4", "le_i8", "le_u1", "le_u2", "le_u4", "le_u8", "be_i4", "bool"])
    func integerArraysReadAsInt32(_ name: String) throws {
        let ids = try NPYArray(contentsOf: fixture(name)).integerTensor(file: name)
        #expect(ids.dtype == .int32 && ids.shape == [2, 3])
        #expect(ids.integers == (name == "bool" ? [1, 0, 1, 0, 0, 1] : [1, 2, 3, 4, 5, 6]))
    }

    @Test func integerTensorsRoundTripAndBadIdsAreTypedErrors() throws {
        let ids = Tensor(shape: [2, 2], integers: [Int32.max, -7, 0, 12])
        let array = NPYArray(ids)
        #expect(array.kind == .signed && array.itemSize == 4)
        #expect(try NPYArray(bytes: array.serialized(), file: "mem").integerTensor(file: "mem") == ids)
        let float = #expect(throws: DataError.self) { try NPYArray(contentsOf: fixture("le_f4")).integerTensor(file: "le_f4.npy") }
        #expect(float?.description.contains("not integers") == true)
        // An int64 id beyond Int32's range names its element.
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let n = header.utf8.count
        var data: [UInt8] = []
        for v in [Int64(3), Int64(1) << 40] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        let bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + data
        let big = #expect(throws: DataError.self) { try NPYArray(bytes: bytes, file: "ids.npy").integerTensor(file: "ids.npy") }
        #expect(big?.description == "ids.npy, element 1: 1099511627776 does not fit in int32", "\(big?.description ?? "")")
    }
}
