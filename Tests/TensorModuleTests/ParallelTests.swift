import Dispatch
import Testing
import NeuralKit

@Suite struct ParallelTests {
    /// Splits requested from many threads at once, and splits nested inside a split, all run every part exactly
    /// once (the helper thread takes one caller at a time; the others, and nested calls, run their parts in place).
    @Test func everyPartRunsOnceFromManyThreadsAndNested() {
        let callers = 8, n = 1 << 17
        let totals = UnsafeMutablePointer<Int>.allocate(capacity: callers * 2)
        totals.initialize(repeating: 0, count: callers * 2)
        defer { totals.deallocate() }
        let shared = UncheckedBox(totals)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<20 {
                Parallel.both { part in
                    // Each part counts its elements through a nested split: parts write disjoint slots.
                    Parallel.forChunks(n, minimumCount: 1) { lo, hi in shared.pointer[caller * 2 + part] += hi - lo }
                }
            }
        }
        for caller in 0..<callers {
            #expect(totals[caller * 2] == 20 * n, "caller \(caller), part 0")
            #expect(totals[caller * 2 + 1] == 20 * n, "caller \(caller), part 1")
        }
    }

    /// forEachChunk runs each chunk once, the chunks tiling the items in order with sizes differing by at most one,
    /// whether the work is split over both cores or not; parts are 0 or 1.
    @Test(arguments: [(count: 1000, chunks: 16, work: 1000), (count: 1000, chunks: 16, work: 1), (count: 5, chunks: 16, work: 1 << 20),
                      (count: 37, chunks: 7, work: 1 << 16)])
    func forEachChunkRunsEveryChunkOnce(_ row: (count: Int, chunks: Int, work: Int)) {
        let chunks = Swift.min(row.chunks, row.count)
        // Per chunk: times run, first item, item count, part.
        let record = UnsafeMutablePointer<Int>.allocate(capacity: chunks * 4)
        record.initialize(repeating: 0, count: chunks * 4)
        defer { record.deallocate() }
        let box = UncheckedBox(record)
        Parallel.forEachChunk(row.count, chunks: row.chunks, workPerItem: row.work) { part, chunk, items in
            box.pointer[chunk * 4] += 1
            box.pointer[chunk * 4 + 1] = items.lowerBound
            box.pointer[chunk * 4 + 2] = items.count
            box.pointer[chunk * 4 + 3] = part
        }
        var next = 0
        for c in 0..<chunks {
            #expect(record[c * 4] == 1, "chunk \(c) runs once")
            #expect(record[c * 4 + 1] == next, "chunk \(c) starts where the previous one ended")
            #expect(record[c * 4 + 2] == row.count / chunks || record[c * 4 + 2] == row.count / chunks + 1)
            #expect(record[c * 4 + 3] == 0 || record[c * 4 + 3] == 1)
            next += record[c * 4 + 2]
        }
        #expect(next == row.count)
    }
}

/// A pointer handed to worker threads that write disjoint elements.
private struct UncheckedBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}
