import CZlib
import Glibc

/// Reading whole files that may be gzip-compressed, through zlib.
public enum Gzip {
    /// The decompressed bytes of a gzip file; a file that is not gzip is returned as it is (zlib's transparent mode).
    /// Refuses to produce more than `limit` bytes, and reports a truncated or corrupt stream.
    ///
    /// ```swift
    /// let bytes = try Gzip.contents(ofFile: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    /// ```
    public static func contents(ofFile path: String, limit: Int = 1 << 31) throws(DataError) -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw DataError(file: path, location: "offset \(out.count)", "corrupt gzip data: \(message)")
            }
            if n == 0 { break }
            guard out.count + Int(n) <= limit else {
                throw DataError(file: path, "decompresses to more than \(limit) bytes")
            }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        // gzread returns 0 both at a clean end and at a truncated stream; zlib reports the latter through gzerror.
        var code: Int32 = 0
        _ = gzerror(file, &code)
        if code != Z_OK && code != Z_STREAM_END {
            throw DataError(file: path, location: "offset \(out.count)", "truncated or corrupt gzip stream (zlib error \(code))")
        }
        return out
    }
}
