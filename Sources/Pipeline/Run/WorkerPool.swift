import Foundation

/// Runs independent work items on up to `jobs` threads (teacher members, student stages).
///
/// Each item is run exactly once; results are deterministic because items share no mutable
/// state (each network has its own seed and random source; HDF5 calls are serialised by the
/// HDF5 layer; OpenBLAS runs one thread per caller).
enum WorkerPool {
    /// Calls `body(i)` for every i in 0..<count on at most `jobs` threads. Every item runs even if
    /// another fails; the first error (in item order) is rethrown after all finished.
    static func run(count: Int, jobs: Int, _ body: (Int) throws -> Void) throws {
        guard count > 0 else { return }
        if jobs <= 1 || count == 1 {
            var firstError: Error?
            for i in 0..<count {
                do { try body(i) } catch { if firstError == nil { firstError = error } }
            }
            if let firstError { throw firstError }
            return
        }
        let lock = NSLock()
        var next = 0
        var errors = [Error?](repeating: nil, count: count)
        DispatchQueue.concurrentPerform(iterations: min(jobs, count)) { _ in
            while true {
                let i: Int = lock.withLock { defer { next += 1 }; return next }
                guard i < count else { return }
                do { try body(i) } catch { lock.withLock { errors[i] = error } }
            }
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
    }
}
