import Glibc
import Synchronization

/// Splits loops and matrix products over the two cores (public for kernels in other NeuralKit modules).
///
/// All of NeuralKit's parallel work goes through one helper thread that spins for a while after each job, so handing
/// it the next one costs about a microsecond instead of a thread wake-up (30–50 µs through Dispatch). OpenBLAS runs
/// single-threaded: its own spinning workers used to occupy the second core exactly when NeuralKit wanted it.
/// Calls from several threads at once, or from inside a split, run serially on the caller; so does a helper's half
/// that has not started by the time the caller finished its own (the same part, so the same result).
public enum Parallel {
    /// Element loops shorter than this run on one core.
    public static let minimumCount = 1 << 16

    /// How many workers one split can use at most: the caller and one helper thread (``both(_:)``). Issue 26 widens it.
    public static let poolWidth = 2

    private static let workers = Atomic<Int>(Processors.workerCount(setting: getenv("NEURALKIT_THREADS").map { String(cString: $0) },
                                                                     available: Processors.available()))

    /// How many workers split the work: the processors this process may use (``Processors/available()``), or
    /// `NEURALKIT_THREADS`; settable. The pool is still two wide: one worker runs every split on the calling thread
    /// (no helper thread at all), two or more use the caller and one helper.
    ///
    /// ```swift
    /// Parallel.workerCount = 1   // everything on the calling thread
    /// ```
    public static var workerCount: Int {
        get { workers.load(ordering: .relaxed) }
        set {
            require(newValue >= 1, "Parallel.workerCount must be at least 1, got \(newValue)")
            workers.store(newValue, ordering: .relaxed)
        }
    }

    /// Runs `body(0)` on the calling thread and `body(1)` on the helper thread, and returns when both have finished
    /// (with one worker, both on the calling thread, in that order).
    public static func both(_ body: (Int) -> Void) {
        guard workerCount > 1 else {
            body(0)
            body(1)
            return
        }
        HelperThread.shared.run(body)
    }

    /// Calls `body(lo, hi)` on two halves of `0..<n` (split at a multiple of 16) when `n ≥ minimumCount`, else once.
    @inline(__always)
    public static func forChunks(_ n: Int, minimumCount: Int = Parallel.minimumCount, _ body: (Int, Int) -> Void) {
        if n < minimumCount {
            body(0, n)
            return
        }
        let half = (n / 2) & ~15
        both { i in if i == 0 { body(0, half) } else { body(half, n) } }
    }

    /// How many chunks ``forEachChunk(_:chunks:workPerItem:minimumWork:_:)`` cuts a loop into by default.
    public static let balancingChunks = 32

    /// Cuts `0..<count` into `chunks` contiguous ranges of near-equal size and calls `body(part, chunk, items)` for
    /// each, on both cores when the total work reaches `minimumWork`: each core takes the next chunk when it
    /// finishes its last, so a core slowed by another process (this machine is shared) does less of the work instead
    /// of keeping the other waiting. Which chunks a core gets varies from run to run; `part` (0 or 1) names the core,
    /// for per-core scratch buffers. Results stay deterministic when each chunk's effect depends only on its items.
    ///
    /// ```swift
    /// Parallel.forEachChunk(1000, workPerItem: 100) { _, _, items in for i in items { out[i] = f(i) } }
    /// ```
    public static func forEachChunk(_ count: Int, chunks: Int = balancingChunks, workPerItem: Int,
                                    minimumWork: Int = Parallel.minimumCount,
                                    _ body: (_ part: Int, _ chunk: Int, _ items: Range<Int>) -> Void) {
        let chunks = Swift.max(1, Swift.min(chunks, count))
        func items(_ c: Int) -> Range<Int> { c * count / chunks..<(c + 1) * count / chunks }
        if chunks < 2 || count * workPerItem < minimumWork {
            for c in 0..<chunks { body(0, c, items(c)) }
            return
        }
        let next = Atomic<Int>(0)
        both { part in
            while true {
                let c = next.add(1, ordering: .relaxed).oldValue
                guard c < chunks else { return }
                body(part, c, items(c))
            }
        }
    }
}

/// The second core's worker: waits for a job by spinning (up to ``spinLimit`` seconds), then sleeps on a condition.
final class HelperThread: @unchecked Sendable {
    static let shared = HelperThread()
    /// How long the helper keeps polling for the next job before it sleeps.
    static let spinLimit = 0.002

    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// The last generation whose part 1 was taken, by the helper or by the caller.
    private let claimed = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)
    /// The posted job; written before `posted` is incremented, read by the helper after it sees the increment.
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let available: Bool

    private init() {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        var thread = pthread_t()
        available = pthread_create(&thread, nil, { _ in
            HelperThread.shared.loop()
            return nil
        }, nil) == 0
        if available { pthread_detach(thread) }
    }

    func run(_ body: (Int) -> Void) {
        guard available, !HelperThread.onHelper, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            body(0)
            body(1)
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            let generation = posted.add(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.load(ordering: .sequentiallyConsistent) {
                pthread_mutex_lock(lock)
                pthread_cond_signal(wake)
                pthread_mutex_unlock(lock)
            }
            body(0)
            // If the helper has not started part 1 yet (asleep, or its core taken by another process), the caller
            // runs it itself instead of waiting for a core: under CPU contention a split degrades to a serial
            // loop, not to a wait of a scheduler time slice. Part 1 is the same work whoever runs it.
            if claimed.compareExchange(expected: generation - 1, desired: generation, ordering: .acquiringAndReleasing).exchanged {
                body(1)
            } else {
                while finished.load(ordering: .acquiring) != generation {}
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    private func loop() {
        HelperThread.onHelper = true
        var seen = 0
        while true {
            var polls = 0
            var started = 0.0
            while posted.load(ordering: .acquiring) == seen {
                polls += 1
                if polls & 1023 != 0 { continue }
                let now = HelperThread.seconds()
                if started == 0 { started = now; continue }
                if now - started < HelperThread.spinLimit { continue }
                pthread_mutex_lock(lock)
                sleeping.store(true, ordering: .sequentiallyConsistent)
                while posted.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, lock) }
                sleeping.store(false, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(lock)
            }
            seen += 1
            // `job` is only read after winning part 1: a caller that took it back may already have cleared it.
            if claimed.compareExchange(expected: seen - 1, desired: seen, ordering: .acquiringAndReleasing).exchanged {
                job?(1)
                finished.store(seen, ordering: .releasing)
            }
        }
    }

    /// Marks the helper thread, so a split nested inside a job runs serially instead of waiting on itself.
    private static let onHelperKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static var onHelper: Bool {
        get { pthread_getspecific(onHelperKey) != nil }
        set { pthread_setspecific(onHelperKey, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    private static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// Hands a value to worker threads when the caller guarantees the accesses don't race.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
