import Tensor

/// Where each kept row of a data file goes: which split, and which row of that split, as
/// `prepare` has always split them (a seeded permutation of the usable rows), known before any
/// row is read again and kept in 1 to 4 bytes per row instead of the rows.
///
/// `place` is called for the kept rows in file order (k = 0, 1, 2, …).
struct RowPlacement {
    enum Rule {
        /// Every kept row to one split, in file order.
        case whole(split: Int)
        /// A training file with a random hold-out for validation; both splits keep file order.
        case heldOut(isValidation: [Bool])
        /// One file split by fractions: `place[k]` is row k's position in the seeded order of the
        /// kept rows; the first `train` positions are training, the next `val` validation, the rest test.
        case permuted(place: [Int32], train: Int, val: Int)
    }

    let rule: Rule
    /// Rows given to each split so far (file-order rules).
    private var next = [0, 0, 0]

    init(_ rule: Rule) { self.rule = rule }

    /// Split (0 train, 1 val, 2 test) and row within it of the next kept row, the `k`-th.
    @inline(__always)
    mutating func place(_ k: Int) -> (split: Int, row: Int) {
        switch rule {
        case .whole(let split):
            defer { next[split] += 1 }
            return (split, next[split])
        case .heldOut(let isValidation):
            let split = isValidation[k] ? 1 : 0
            defer { next[split] += 1 }
            return (split, next[split])
        case .permuted(let place, let train, let val):
            let p = Int(place[k])
            return p < train ? (0, p) : p < train + val ? (1, p - train) : (2, p - train - val)
        }
    }

    /// The seeded order of `count` rows: `order[p]` is the row at position p. The same draws
    /// as `RNG.permutation`, in 4 bytes per row.
    static func seededOrder(count: Int, seed: UInt64) -> [Int32] {
        precondition(count <= Int(Int32.max), "more than 2^31 rows")
        var rng = RNG(seed: RNG.derive(seed: seed, stream: 0x5eed_5911))
        var order = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Int32(truncatingIfNeeded: i) }
            initialized = count
        }
        rng.shuffle(&order)
        return order
    }

    /// One file split by fractions: the first `train` rows of the seeded order are training,
    /// the next `val` validation, the rest test (each split in that order).
    static func permuted(count: Int, train: Int, val: Int, seed: UInt64) -> RowPlacement {
        var place = seededOrder(count: count, seed: seed)
        invert(&place)
        return RowPlacement(.permuted(place: place, train: train, val: val))
    }

    /// A hold-out: the first `validation` rows of the seeded order are validation, the rest training.
    static func heldOut(count: Int, validation: Int, seed: UInt64) -> RowPlacement {
        let order = seededOrder(count: count, seed: seed)
        var isValidation = [Bool](repeating: false, count: count)
        for p in 0..<validation { isValidation[Int(order[p])] = true }
        return RowPlacement(.heldOut(isValidation: isValidation))
    }

    /// Turns a permutation into its inverse in place (`a[a[i]] = i`), following each cycle once.
    static func invert(_ a: inout [Int32]) {
        a.withUnsafeMutableBufferPointer { a in
            for start in a.indices where a[start] >= 0 {
                var previous = start
                var current = Int(a[start])
                while current != start {
                    let following = Int(a[current])
                    a[current] = ~Int32(truncatingIfNeeded: previous)   // done: marked by the sign bit
                    previous = current
                    current = following
                }
                a[start] = ~Int32(truncatingIfNeeded: previous)
            }
            for i in a.indices { a[i] = ~a[i] }
        }
    }
}
