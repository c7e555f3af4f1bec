import Dispatch

/// Splits element loops over the two cores when the work is large enough to pay for a second worker
/// (measured here: starting one costs 30–50 µs, so loops below ~128K elements stay on one thread).
enum Parallel {
    static let minimumCount = 1 << 17

    @inline(__always)
    static func forChunks(_ n: Int, minimumCount: Int = Parallel.minimumCount, _ body: (Int, Int) -> Void) {
        if n < minimumCount {
            body(0, n)
            return
        }
        let half = (n / 2) & ~15
        withoutActuallyEscaping(body) { body in
            // The two halves write disjoint ranges; the closure only lives for this call.
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                if i == 0 { work.value(0, half) } else { work.value(half, n) }
            }
        }
    }
}

/// Hands a value to worker threads when the caller guarantees the accesses don't race.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
