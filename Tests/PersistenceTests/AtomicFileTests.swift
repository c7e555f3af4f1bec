import Foundation
import Testing
import NeuralKit

@Suite struct AtomicFileTests {
    @Test func writesReplaceAndLeaveNoTemporaryFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nk-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write("one", to: dir + "/f.txt")
        try AtomicFile.write("two", to: dir + "/f.txt")
        #expect(try AtomicFile.read(dir + "/f.txt") == Array("two".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["f.txt"])
        #expect(throws: DataError.self) { try AtomicFile.write("x", to: dir + "/missing/f.txt") }
        #expect(throws: DataError.self) { try AtomicFile.read(dir + "/nope") }
    }
}
