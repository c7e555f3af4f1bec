import Glibc

/// The processors this process may use: the CPUs its affinity mask allows (`taskset`, a container's cpuset), capped
/// by the cgroup's CPU quota (`docker --cpus`, Kubernetes limits), as PyTorch and the JVM count them.
///
/// ```swift
/// Processors.available()                                              // 2 on this machine, 1 under `taskset -c 0`
/// Processors.workerCount(setting: "3", available: 8)                  // 3: NEURALKIT_THREADS wins
/// ```
public enum Processors {
    /// The CPUs in this process's affinity mask, at most the cgroup quota's CPUs (rounded up), and at least 1.
    public static func available() -> Int {
        var count = 0
        // glibc's sched_getaffinity (Glibc's module map leaves it out: it is a _GNU_SOURCE declaration), with room
        // for 8,192 CPUs.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_getaffinity") {
            typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
            var mask = [UInt64](repeating: 0, count: 128)
            let ok = mask.withUnsafeMutableBytes { unsafeBitCast(symbol, to: GetAffinity.self)(0, $0.count, $0.baseAddress!) } == 0
            if ok { count = mask.reduce(0) { $0 + $1.nonzeroBitCount } }
        }
        if count == 0 { count = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
        if let quota = cgroupCPUs() { count = Swift.min(count, quota) }
        return Swift.max(1, count)
    }

    /// The workers a process uses: `setting` (NEURALKIT_THREADS) when it is a positive whole number, else `available`.
    public static func workerCount(setting: String?, available: Int) -> Int {
        if let setting, let n = Int(setting.trimmingCharacters(in: " \t")), n > 0 { return n }
        return Swift.max(1, available)
    }

    /// The cgroup's CPU quota in whole CPUs (rounded up), or nil without one: v2's `cpu.max` ("max 100000" is none),
    /// or v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us` (a quota of −1 is none).
    static func cgroupCPUs() -> Int? {
        if let line = firstLine("/sys/fs/cgroup/cpu.max") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
            return Int((quota / period).rounded(.up))
        }
        guard let q = firstLine("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").flatMap({ Double($0) }), q > 0,
              let p = firstLine("/sys/fs/cgroup/cpu/cpu.cfs_period_us").flatMap({ Double($0) }), p > 0 else { return nil }
        return Int((q / p).rounded(.up))
    }

    /// The first line of a small text file, or nil when it cannot be read.
    private static func firstLine(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(cString: buffer).trimmingCharacters(in: " \n\t")
    }
}

extension String {
    /// The string without the leading and trailing characters in `set`.
    fileprivate func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        guard let first = firstIndex(where: { !drop.contains($0) }), let last = lastIndex(where: { !drop.contains($0) }) else { return "" }
        return String(self[first...last])
    }
}
