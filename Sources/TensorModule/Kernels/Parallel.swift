import Dispatch

/// Splits element loops over the two cores (public for kernels in other NeuralKit modules) when the work is large
/// enough to pay for a second worker. Starting one costs 30–50 µs; worse, right after a GEMM OpenBLAS's own worker
/// still spins on the second core, so a split loop waits for it: in the Fashion-MNIST MLP, splitting 200K-element
/// loops made the Adam update 25% slower. Only loops of ≥ 1M elements are split.
public enum Parallel {
    public static let minimumCount = 1 << 20

    @inline(__always)
    public static func forChunks(_ n: Int, minimumCount: Int = Parallel.minimumCount, _ body: (Int, Int) -> Void) {
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

extension Parallel {
    /// Splits `count` items (each costing about `workPerItem` element operations) into two halves run on both
    /// cores when the total work reaches ``minimumCount``.
    public static func forItems(_ count: Int, workPerItem: Int, minimumWork: Int = Parallel.minimumCount,
                                _ body: (Range<Int>) -> Void) {
        if count < 2 || count * workPerItem < minimumWork {
            body(0..<count)
            return
        }
        let half = count / 2
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: 2) { i in work.value(i == 0 ? 0..<half : half..<count) }
        }
    }
}

/// Hands a value to worker threads when the caller guarantees the accesses don't race.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
