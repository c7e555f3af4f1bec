import FileIO
import Glibc

/// An exclusive lock on a run's output directory, so that two runs never write into the same one: an advisory
/// `flock` on the file `.neuralkit.lock` inside it, which holds the owner's process id. The lock is released when
/// the value is released or its process ends, however it ends (a kill included), so a stale lock file never blocks.
///
/// ```swift
/// let lock = try DirectoryLock(directory: "run")   // throws "run: run is already in use by process 4242"
/// defer { lock.release() }
/// ```
public final class DirectoryLock: Sendable {
    /// The lock file's name inside the directory.
    public static let fileName = ".neuralkit.lock"
    /// The locked directory.
    public let directory: String
    private let descriptor: Int32

    /// Takes the lock, or throws at once, naming the process that holds it. The directory must exist.
    public init(directory: String) throws(DataError) {
        self.directory = directory
        let path = directory + "/" + DirectoryLock.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError(file: directory, "cannot create the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let problem = String(cString: strerror(errno))
            let owner = DirectoryLock.owner(fd)
            close(fd)
            if busy {
                throw DataError(file: directory, "run is already in use by process \(owner.map(String.init) ?? "unknown") "
                                + "(wait for it to finish, or give another --output)")
            }
            throw DataError(file: directory, "cannot lock \(path): \(problem)")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    /// The process id written in the lock file, if it reads as one.
    private static func owner(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").first ?? "")
    }

    /// Releases the lock (also done when the value is released).
    public func release() {
        flock(descriptor, LOCK_UN)
    }

    deinit { close(descriptor) }
}
