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
}
