import Foundation
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
        let temporary = try writeTemporary(bytes, for: path)
        guard rename(temporary, path) == 0 else {
            let problem = errorText()
            unlink(temporary)
            throw DataError(file: path, "cannot rename into place: \(problem)")
        }
        syncDirectory(of: path)
    }

    /// Writes `bytes` to a new temporary file beside `path` (`path.tmp-<pid>-<random>`), flushed to disk, and
    /// returns its path; the caller renames it into place. Nothing is left behind when this throws.
    ///
    /// ```swift
    /// let temporary = try AtomicFile.writeTemporary(bytes, for: "run/latest.ckpt.safetensors")   // then rename(2) it
    /// ```
    public static func writeTemporary(_ bytes: [UInt8], for path: String) throws(DataError) -> String {
        let temporary = path + temporaryMarker + "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(file: path, "cannot create \(temporary): \(errorText())") }
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
        let problem: String? = result != 0 ? "cannot write: \(errorText())"
            : fsync(fd) != 0 ? "cannot flush to disk: \(errorText())" : nil
        close(fd)
        if let problem {
            unlink(temporary)
            throw DataError(file: path, problem)
        }
        return temporary
    }

    /// Flushes the directory holding `path`, so that a rename in it survives a power cut.
    ///
    /// ```swift
    /// AtomicFile.syncDirectory(of: "run/latest.ckpt.safetensors")   // after renaming into run/
    /// ```
    public static func syncDirectory(of path: String) {
        let dirfd = open(directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// The names in `directory` (none when it cannot be read), sorted.
    static func entries(of directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// What a temporary file's name adds to the name of the file it will replace (`.tmp-`).
    public static let temporaryMarker = ".tmp-"

    /// Removes the temporary files that writes killed mid-way left in `directory`: files named
    /// `NAME.tmp-<pid>-<random>` whose process no longer runs. Returns the names removed.
    ///
    /// ```swift
    /// AtomicFile.removeStaleTemporaries(in: "run")   // ["latest.ckpt.safetensors.tmp-4242-1234567"]
    /// ```
    @discardableResult
    public static func removeStaleTemporaries(in directory: String) -> [String] {
        var removed: [String] = []
        for name in entries(of: directory) {
            guard let marker = name.range(of: temporaryMarker, options: .backwards) else { continue }
            let parts = name[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt64(parts[1]) != nil else { continue }
            let running = pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
            if !running && unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to path: String) throws(DataError) {
        try write(Array(text.utf8), to: path)
    }

    /// The whole contents of a file.
    public static func read(_ path: String, limit: Int = 1 << 34) throws(DataError) -> [UInt8] {
        try withOpenFile(path) { fd, st throws(DataError) in
            let size = Int(st.st_size)
            guard size <= limit else { throw DataError(file: path, "file is \(size) bytes, more than the \(limit)-byte limit") }
            return try readAll(fd, size: size, path: path)
        }
    }

    /// Calls `body` with `path` opened for reading and its status; closes it afterwards.
    static func withOpenFile<R>(_ path: String, _ body: (Int32, stat) throws(DataError) -> R) throws(DataError) -> R {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(file: path, "cannot open: \(errorText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(file: path, "cannot stat: \(errorText())") }
        return try body(fd, st)
    }

    /// The first `size` bytes of an open file, from its start (fewer if it ends sooner).
    static func readAll(_ fd: Int32, size: Int, path: String) throws(DataError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DataError(file: path, "cannot read: \(errorText())") }
            if n == 0 { break }
            done += n
        }
        return Array(out[0..<done])
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
