import CZlib
import Glibc

/// Reading whole files that may be gzip-compressed, through zlib.
public enum Gzip {
    /// The decompressed bytes of a gzip file; a file that is not gzip (no 1f 8b magic bytes) is returned as it is.
    /// Refuses to produce more than `limit` bytes, and reports a truncated or corrupt stream. The file type and size
    /// are checked before anything is read: a device (`/dev/zero`), a FIFO or a directory is refused at once, and so
    /// is a plain file larger than `limit`.
    ///
    /// ```swift
    /// let bytes = try Gzip.contents(ofFile: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    /// ```
    public static func contents(ofFile path: String, limit: Int = 1 << 31) throws(DataError) -> [UInt8] {
        try AtomicFile.withOpenFile(path) { fd, st throws(DataError) in try contents(fd, st, path: path, limit: limit) }
    }

    private static func contents(_ fd: Int32, _ st: stat, path: String, limit: Int) throws(DataError) -> [UInt8] {
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let name = [S_IFCHR: "a character device", S_IFBLK: "a block device", S_IFIFO: "a FIFO", S_IFDIR: "a directory",
                        S_IFSOCK: "a socket"][kind] ?? "not a data file"
            throw DataError(file: path, "is \(name), not a regular file")
        }
        var magic: [UInt8] = [0, 0]
        let m = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        guard m == 2 && magic == [0x1F, 0x8B] else { return try plainContents(fd, size: Int(st.st_size), path: path, limit: limit) }
        let copy = dup(fd)
        guard copy >= 0, let file = gzdopen(copy, "rb") else {
            if copy >= 0 { close(copy) }
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

    /// A file that is not gzip, read as it is: refused at once when its size is over `limit`.
    private static func plainContents(_ fd: Int32, size: Int, path: String, limit: Int) throws(DataError) -> [UInt8] {
        guard size <= limit else { throw DataError(file: path, "is \(size) bytes, more than the \(limit)-byte limit") }
        return try AtomicFile.readAll(fd, size: size, path: path)
    }
}
