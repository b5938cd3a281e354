import Dispatch
import Foundation

/// Runs CPU-heavy work on threads sized to the machine's cores, off Swift's cooperative pool.
public enum Parallel {
    /// `body(0..<count)` in parallel; results in index order. The first error thrown is rethrown.
    public static func map<T: Sendable>(
        _ count: Int, _ body: @escaping @Sendable (Int) throws -> T
    ) async throws -> [T] {
        if count == 0 { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let results = ResultBox<T>(count: count)
                DispatchQueue.concurrentPerform(iterations: count) { i in
                    results.set(i, Result { try body(i) })
                }
                continuation.resume(with: results.collect())
            }
        }
    }

    /// `body()` on a Dispatch thread: for CPU-heavy work that would otherwise hold up the other tasks of Swift's
    /// cooperative pool, or of an event loop (where `kite serve` runs its tasks), for its whole duration.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Holds per-index results written by concurrent iterations; each index is written exactly once. The slots
    /// are one allocation written through a fixed pointer: concurrent writes to distinct slots never touch the
    /// array machinery (an `inout` access of a shared array from several threads is a race).
    private final class ResultBox<T>: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<Result<T, any Error>?>

        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }

        deinit {
            slots.deinitialize()
            slots.deallocate()
        }

        func set(_ index: Int, _ value: Result<T, any Error>) { slots[index] = value }

        func collect() -> Result<[T], any Error> {
            var values: [T] = []
            values.reserveCapacity(slots.count)
            for slot in slots {
                switch slot {
                case .success(let value)?: values.append(value)
                case .failure(let error)?: return .failure(error)
                case nil: return .failure(KiteError(.io, "parallel work lost a result"))
                }
            }
            return .success(values)
        }
    }
}

extension Parallel {
    /// `items` cut into contiguous runs, `perCore` per core (at most one per item), and `body` run on each run as a
    /// task of its own, all at once: for work that awaits reads between stretches
    /// of computing, such as a run of files or row groups read in order. Results in run order; the first error
    /// thrown is rethrown.
    public static func runs<Item: Sendable, T: Sendable>(
        of items: [Item], perCore: Int = 1, _ body: @escaping @Sendable (ArraySlice<Item>) async throws -> T
    ) async throws -> [T] {
        let parts = Swift.max(1, Swift.min(items.count, cores * Swift.max(1, perCore)))
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for part in 0..<parts {
                group.addTask { (part, try await body(items[(items.count * part / parts)..<(items.count * (part + 1) / parts)])) }
            }
            var results: [(Int, T)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// How many chunks `forEachChunk` cuts `count` items into: one per core, none smaller than `minimumChunk`.
    public static func chunkCount(_ count: Int, minimumChunk: Int) -> Int {
        Swift.max(1, Swift.min(cores, count / Swift.max(1, minimumChunk)))
    }

    /// The machine's active cores.
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body(chunk, range)` over `0..<count` cut into `chunkCount(count, minimumChunk:)` contiguous ranges,
    /// on all cores when there is more than one, and returns when all are done. The ranges depend only on the
    /// count and the core count, so summing per-chunk results in chunk order is deterministic.
    public static func forEachChunk(_ count: Int, minimumChunk: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let chunks = chunkCount(count, minimumChunk: minimumChunk)
        if chunks == 1 { return body(0, 0..<count) }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
    }
}
