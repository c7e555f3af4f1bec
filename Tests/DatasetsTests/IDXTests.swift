import Foundation
import Testing
import NeuralKit
import _TestSupport

func idx(type: UInt8 = 0x08, dims: [UInt32], payload: [UInt8]) -> [UInt8] { idxBytes(type: type, dims: dims, payload: payload) }

func temporaryFile(_ bytes: [UInt8], suffix: String = ".idx") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nk-\(UUID())\(suffix)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite struct IDXTests {
    @Test func threeHandMadeImagesDecodeByteForByte() throws {
        let pixels: [UInt8] = (0..<12).map { UInt8($0 * 20) }
        let file = try IDXFile(bytes: idx(dims: [3, 2, 2], payload: pixels), path: "three.idx")
        #expect(file.shape == [3, 2, 2] && file.elementType == .uint8)
        #expect(file.tensor(scale: 1).values == pixels.map(Double.init))
        #expect(file.tensor(scale: 1.0 / 255).values[1] == Double(Float(20) * Float(1.0 / 255)))
    }

    @Test func otherElementTypesAreBigEndian() throws {
        let i16 = try IDXFile(bytes: idx(type: 0x0B, dims: [2], payload: [0x01, 0x02, 0xFF, 0xFE]), path: "i16")
        #expect(i16.tensor(dtype: .float64).values == [258, -2])
        let f32 = try IDXFile(bytes: idx(type: 0x0D, dims: [1], payload: [0x3F, 0xC0, 0, 0]), path: "f32")
        #expect(f32.tensor().values == [1.5])
        let i8 = try IDXFile(bytes: idx(type: 0x09, dims: [1], payload: [0x80]), path: "i8")
        #expect(i8.tensor().values == [-128])
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let message: String
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(name: "wrong magic", bytes: [1, 0, 8, 1, 0, 0, 0, 1, 5], message: "not an IDX file"),
        BadFile(name: "unknown type code", bytes: idx(type: 0x07, dims: [1], payload: [5]), message: "unknown IDX type code 0x7"),
        BadFile(name: "zero dimensions", bytes: [0, 0, 8, 0], message: "declares 0 dimensions"),
        BadFile(name: "too many dimensions", bytes: [0, 0, 8, 9] + [UInt8](repeating: 0, count: 36), message: "declares 9 dimensions"),
        BadFile(name: "dimension product overflow", bytes: idx(dims: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: []),
                message: "hold too many elements"),
        BadFile(name: "shorter than declared", bytes: idx(dims: [2, 2], payload: [1, 2, 3]), message: "truncated"),
        BadFile(name: "longer than declared", bytes: idx(dims: [2], payload: [1, 2, 3]), message: "trailing data"),
        BadFile(name: "header cut short", bytes: [0, 0, 8, 2, 0, 0], message: "header needs 12 bytes"),
        BadFile(name: "empty file", bytes: [], message: "shorter than the 4-byte IDX magic"),
    ]

    @Test(arguments: badFiles)
    func malformedFilesGiveTypedErrors(_ bad: BadFile) {
        let error = #expect(throws: DataError.self) { try IDXFile(bytes: bad.bytes, path: "bad.idx") }
        #expect(error?.description.contains(bad.message) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.hasPrefix("bad.idx") == true)
    }

    @Test func imageAndLabelCountsMustAgreeAndLabelsBeInRange() throws {
        let images = try temporaryFile(idx(dims: [2, 1, 1], payload: [0, 255]))
        let threeLabels = try temporaryFile(idx(dims: [3], payload: [0, 1, 2]))
        let badLabel = try temporaryFile(idx(dims: [2], payload: [0, 10]))
        defer { for p in [images, threeLabels, badLabel] { try? FileManager.default.removeItem(atPath: p) } }
        let mismatch = #expect(throws: DataError.self) { try IDXDataset.load(images: images, labels: threeLabels) }
        #expect(mismatch?.message == "3 labels for 2 images in \(images)")
        let range = #expect(throws: DataError.self) { try IDXDataset.load(images: images, labels: badLabel, classCount: 10) }
        #expect(range?.description.contains("label 10.0 is outside 0..<10") == true)
    }

    @Test func byteImagesMatchTheFloatLoaderAndScalePerBatch() throws {
        let pixels: [UInt8] = [0, 51, 102, 255, 10, 20, 30, 40, 200, 100, 50, 25]
        let images = try temporaryFile(idx(dims: [3, 2, 2], payload: pixels))
        let labels = try temporaryFile(idx(dims: [3], payload: [2, 0, 1]))
        let floats = try temporaryFile(idx(type: 0x0D, dims: [1, 1], payload: [0x3F, 0xC0, 0, 0]))
        let oneLabel = try temporaryFile(idx(dims: [1], payload: [0]))
        defer { for p in [images, labels, floats, oneLabel] { try? FileManager.default.removeItem(atPath: p) } }
        let bytes = try IDXDataset.byteImages(images: images, labels: labels)
        let tensors = try IDXDataset.load(images: images, labels: labels)
        #expect(bytes.count == 3 && bytes.exampleShape == [4])
        #expect(bytes.tensors.x.scalars(as: Float.self) == tensors.x.scalars(as: Float.self))
        #expect(bytes.tensors.y.values == tensors.y.values)
        // A batch takes the rows in the order asked, labels alongside.
        let (x, y) = bytes.batch([2, 0])
        #expect(x.shape == [2, 4] && y.values == [1, 2])
        #expect(x.scalars(as: Float.self) == [200, 100, 50, 25, 0, 51, 102, 255].map { Float($0) * (1 / 255 as Float) })
        let square = try IDXDataset.byteImages(images: images, labels: labels, scale: 1, flatten: false)
        #expect(square.exampleShape == [2, 2] && square.batch([1]).x.values == [10, 20, 30, 40])
        // A row range renumbers from 0.
        #expect(bytes.rows(1..<3).batch([0]).y.values == [0])
        // A batch large enough to be drawn on both cores (150 of 200 images of 28 × 28) equals the Float loader's rows.
        let many = (0..<200 * 784).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 784) }
        let manyImages = try temporaryFile(idx(dims: [200, 28, 28], payload: many))
        let manyLabels = try temporaryFile(idx(dims: [200], payload: (0..<200).map { UInt8($0 % 10) }))
        defer { for p in [manyImages, manyLabels] { try? FileManager.default.removeItem(atPath: p) } }
        let order = (0..<150).map { ($0 * 37 + 11) % 200 }
        let drawn = try IDXDataset.byteImages(images: manyImages, labels: manyLabels).batch(order)
        let reference = try IDXDataset.load(images: manyImages, labels: manyLabels)
        #expect(drawn.x.scalars(as: Float.self) == reference.x.gathering(rows: order).scalars(as: Float.self))
        #expect(drawn.y.values == order.map { Double($0 % 10) })
        let wrongType = #expect(throws: DataError.self) { try IDXDataset.byteImages(images: floats, labels: oneLabel) }
        #expect(wrongType?.description.contains("expected 8-bit images (type 0x08), found float32") == true)
    }

    @Test func truncatedGzipIsReported() throws {
        let plain = try temporaryFile(idx(dims: [1000], payload: [UInt8](repeating: 7, count: 1000)), suffix: ".idx")
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let gz = plain + ".gz"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-k", plain]
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: gz) }
        #expect(try IDXFile(contentsOf: gz).count == 1000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = try temporaryFile([UInt8](bytes.prefix(bytes.count - 12)), suffix: ".gz")
        defer { try? FileManager.default.removeItem(atPath: cut) }
        #expect(throws: DataError.self) { try IDXFile(contentsOf: cut) }
        #expect(throws: DataError.self) { try IDXFile(contentsOf: "/nonexistent/file.idx") }
    }

    /// make test installs Debian's dataset-fashion-mnist, so this always runs.
    @Test func fashionMNISTHasItsDocumentedShape() throws {
        let data = try IDXDataset.fashionMNIST()
        #expect(data.train.x.shape == [60_000, 784] && data.test.x.shape == [10_000, 784])
        #expect(data.train.y.shape == [60_000] && data.test.y.shape == [10_000])
        #expect(data.train.y.min().scalar == 0 && data.train.y.max().scalar == 9)
        #expect(data.train.x.max().scalar == 1 && data.train.x.min().scalar == 0)
        let images = try IDXDataset.fashionMNISTImages()
        #expect(images.train.count == 60_000 && images.test.count == 10_000 && images.train.exampleShape == [784])
        let firstAndLast = [0, 59_999]
        #expect(images.train.batch(firstAndLast).x.scalars(as: Float.self) == data.train.x.gathering(rows: firstAndLast).scalars(as: Float.self))
    }
}
