import Datasets
import Glibc

/// Crash-safe file writes: the bytes go to a temporary file in the same directory, which is flushed to disk
/// (fsync), renamed over the destination, and the directory is flushed too. A reader sees the old file or the new
/// one, never a part.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    ///
    /// ```swift
    /// try AtomicFile.write(Array("hello".utf8), to: "out/greeting.txt")
    /// ```
    public static func write(_ bytes: [UInt8], to path: String) throws(DataError) {
        let directory = Self.directory(of: path)
        let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(file: path, "cannot create \(temporary): \(errorText())") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var written = 0
        let result: Int = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                written += n
            }
            return 0
        }
        guard result == 0 else {
            close(fd)
            throw DataError(file: path, "cannot write: \(errorText())")
        }
        guard fsync(fd) == 0 else {
            close(fd)
            throw DataError(file: path, "cannot flush to disk: \(errorText())")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw DataError(file: path, "cannot rename into place: \(errorText())") }
        ok = true
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws(DataError) {
        try write(Array(text.utf8), to: path)
    }

    /// The whole contents of a file.
    public static func read(_ path: String, limit: Int = 1 << 34) throws(DataError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(file: path, "cannot open: \(errorText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(file: path, "cannot stat: \(errorText())") }
        let size = Int(st.st_size)
        guard size <= limit else { throw DataError(file: path, "file is \(size) bytes, more than the \(limit)-byte limit") }
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        let failed: Bool = out.withUnsafeMutableBytes { buffer in
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 }
                done += n
            }
            return false
        }
        guard !failed else { throw DataError(file: path, "cannot read: \(errorText())") }
        return Array(out[0..<done])
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
