import Foundation
import NeuralKit

/// Small real datasets shipped with the tests.
public enum TestData {
    /// UCI 8×8 digits (1,797 examples, pixels 0…16, labels 0–9), from a gzip CSV in a test bundle's Data folder.
    public static func digits(in bundle: Bundle) throws -> (x: Tensor, y: Tensor) {
        guard let url = bundle.url(forResource: "digits.csv", withExtension: "gz", subdirectory: "Data") else {
            throw DataError(file: "digits.csv.gz", "not found in the test bundle")
        }
        let bytes = try Gzip.contents(ofFile: url.path)
        let rows = try DelimitedNumbers.parse(String(decoding: bytes, as: UTF8.self), file: url.path)
        let x = Tensor(shape: [rows.count, 64], values: rows.flatMap { $0.prefix(64) })
        let y = Tensor(rows.map { $0[64] })
        return (x, y)
    }
}
