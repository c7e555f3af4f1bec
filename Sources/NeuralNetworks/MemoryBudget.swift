import Glibc

/// What a model will need of the memory this process may use (``limit``), checked before anything is allocated: a model file, a
/// command-line option or a request that asks for more than the machine holds gets a typed error naming the sizes,
/// instead of a failed allocation that stops the program.
///
/// ```swift
/// MemoryBudget.elementCount([1 << 40, 1 << 40])                  // nil: more than Int can count
/// MemoryBudget.parameterProblem(parameters: 10_000_000_000)    // "… 149.0 GiB, more than this machine's …"
/// ```
public enum MemoryBudget {
    /// This machine's physical memory in bytes (`sysconf`).
    public static let physicalBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return pages > 0 && size > 0 && !overflow ? bytes : Int.max
    }()

    /// The memory this process may use, in bytes, and what sets it: the least of physical memory, the address-space
    /// and data-segment limits (`ulimit -v`, `ulimit -d`: RLIMIT_AS, RLIMIT_DATA) and the cgroup's memory limit
    /// (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`), as a container or a systemd unit sets it.
    public static let limit: (bytes: Int, source: String) = {
        var best = (bytes: physicalBytes, source: "this machine's")
        func consider(_ bytes: Int?, _ source: String) {
            if let bytes, bytes > 0, bytes < best.bytes { best = (bytes, source) }
        }
        for (resource, name) in [(RLIMIT_AS, "the process's address-space limit (ulimit -v)"),
                                 (RLIMIT_DATA, "the process's data limit (ulimit -d)")] {
            var r = rlimit()
            if getrlimit(__rlimit_resource_t(resource.rawValue), &r) == 0, r.rlim_cur != rlim_t.max {
                consider(Int(exactly: r.rlim_cur), name)
            }
        }
        consider(cgroupLimit(), "the cgroup's")
        return best
    }()

    /// The memory limit of a process's cgroup, if it has one: its membership is read from `cgroupFile`
    /// (`/proc/self/cgroup`) and the limits from under `root` (`/sys/fs/cgroup`): cgroup v2's `memory.max` for the
    /// "0::PATH" line, v1's `memory/PATH/memory.limit_in_bytes` for the memory controller's line, and the root's own.
    /// "max" (no limit) counts as none.
    ///
    /// ```swift
    /// MemoryBudget.cgroupLimit()   // e.g. 4294967296 in a container given 4 GiB; nil on a machine without a limit
    /// ```
    public static func cgroupLimit(cgroupFile: String = "/proc/self/cgroup", root: String = "/sys/fs/cgroup") -> Int? {
        func read(_ path: String) -> String? {
            guard let f = fopen(path, "r") else { return nil }
            defer { fclose(f) }
            var buffer = [CChar](repeating: 0, count: 4096)
            guard fgets(&buffer, Int32(buffer.count), f) != nil else { return nil }
            return trimmed(buffer)
        }
        // cgroup v2: "0::/path" in /proc/self/cgroup; v1: the memory controller's own line.
        var limits: [Int] = []
        if let f = fopen(cgroupFile, "r") {
            var buffer = [CChar](repeating: 0, count: 4096)
            while fgets(&buffer, Int32(buffer.count), f) != nil {
                let parts = trimmed(buffer).split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                let path = String(parts[2])
                if parts[0] == "0" && parts[1].isEmpty {
                    if let v = read(root + path + "/memory.max").flatMap({ Int($0) }) { limits.append(v) }
                } else if parts[1].split(separator: ",").contains("memory") {
                    if let v = read(root + "/memory" + path + "/memory.limit_in_bytes").flatMap({ Int($0) }) { limits.append(v) }
                }
            }
            fclose(f)
        }
        for path in [root + "/memory.max", root + "/memory/memory.limit_in_bytes"] {
            if let v = read(path).flatMap({ Int($0) }) { limits.append(v) }
        }
        return limits.min()
    }

    /// A C string read by `fgets` without its line end and surrounding spaces.
    private static func trimmed(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let isSpace: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
        return String(decoding: bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed(), as: UTF8.self)
    }

    /// The number of elements of `shape`, or nil when the product overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = c
        }
        return count
    }

    /// `a + b`, or nil when either is nil or the sum overflows `Int`.
    public static func sum(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b else { return nil }
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : s
    }

    /// Why a model of `parameters` parameters (nil: more than `Int` counts) cannot be trained here, or nil when it
    /// fits in memory at `bytesPerParameter` each while training (its value, its gradient and the optimizer's state:
    /// ``OptimizerRule``'s `trainingBytesPerParameter` says how much).
    public static func parameterProblem(parameters: Int?, bytesPerParameter: Int) -> String? {
        if let p = parameters, p <= limit.bytes / bytesPerParameter { return nil }
        let size = parameters.map { "\($0) parameters: \(gibibytes(Double($0) * Double(bytesPerParameter)))" }
            ?? "more parameters than can be counted"
        return "the model needs \(size) for its weights, gradients and optimizer state (\(bytesPerParameter) bytes a parameter), "
            + "more than \(limitText)"
    }

    /// "this machine's 23.5 GiB of memory", or the limit that is lower.
    static var limitText: String { "\(limit.source) \(gibibytes(Double(limit.bytes))) of memory" }

    /// Why one example of `shape` (Float32) cannot be held in memory here, or nil when it can.
    public static func exampleProblem(shape: [Int]) -> String? {
        if let n = elementCount(shape), n <= limit.bytes / 4 { return nil }
        return "an example of shape \(shape) holds more values than \(limitText)"
    }

    /// Why a batch of `batchSize` examples through a model whose layers output `valuesPerExample` values for each
    /// example (nil: more than `Int` counts) cannot run here, or nil when it fits: each value (Float32) kept for the
    /// backward pass, plus its gradient when `training`.
    public static func batchProblem(valuesPerExample: Int?, batchSize: Int, training: Bool) -> String? {
        let copies = training ? 2 : 1
        if let v = valuesPerExample, v <= limit.bytes / 4 / copies / Swift.max(1, batchSize) { return nil }
        let need = valuesPerExample.map { gibibytes(Double($0) * Double(batchSize) * Double(4 * copies)) } ?? "more than can be counted"
        let what = training ? "its layers' outputs and their gradients" : "its layers' outputs"
        return "a batch of \(batchSize) examples needs \(need) for \(what) (\(valuesPerExample.map(String.init) ?? "too many") values "
            + "an example), more than \(limitText)"
    }

    /// "23.5 GiB", "1.9 TiB", "over 10000 TiB"
    static func gibibytes(_ bytes: Double) -> String {
        let g = bytes / Double(1 << 30)
        func oneDecimal(_ x: Double) -> Double { (x * 10).rounded() / 10 }
        return g < 1024 ? "\(oneDecimal(g)) GiB" : g < 1024 * 10_000 ? "\(oneDecimal(g / 1024)) TiB" : "over 10000 TiB"
    }
}

extension Module {
    /// The values one example produces through the model (the inputs and every layer's output; for a graph, every
    /// node's), from their output shapes alone; nil when a count overflows `Int`. A module that is neither a
    /// ``Sequential`` nor a ``GraphModel`` counts its input and output.
    public func valuesPerExample(inputs: [[Int]]) throws(ModuleError) -> Int? {
        let shapes: [[Int]]
        switch self {
        case let graph as GraphModel: shapes = try graph.slotShapes(forInputs: inputs.map { [1] + $0 })
        case let sequential as Sequential:
            var shape = [1] + inputs[0]
            shapes = [shape] + (try sequential.layers.map { layer throws(ModuleError) in
                shape = try layer.outputShape(for: shape)
                return shape
            })
        default: shapes = inputs.map { [1] + $0 } + [try outputShape(forInputs: inputs.map { [1] + $0 })]
        }
        return shapes.reduce(0) { MemoryBudget.sum($0, MemoryBudget.elementCount($1)) }
    }
}
