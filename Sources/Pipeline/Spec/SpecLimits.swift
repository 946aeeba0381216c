import Foundation

/// The bounds of the pipeline file's integer settings, in one table. `SpecNode.int(in:)`
/// checks a value against its bound, so each setting is bounded where it is read.
///
/// The bounds are generous: each is far beyond any useful value, and close enough to the
/// machine that a value past it is a typo or a misunderstanding, never a wish.
enum SpecLimits {
    /// Training epochs of one network.
    static let epochs = 1...1_000_000
    /// Optimizer steps of one network (`steps:`, instead of epochs).
    static let steps = 1...1_000_000_000
    /// Rows per batch.
    static let batchSize = 1...1_000_000
    /// Members of one teacher ensemble.
    static let members = 1...1_000
    /// Units of one hidden layer.
    static let layerWidth = 1...1_000_000
    /// Hidden layers of one network (or column).
    static let hiddenLayers = 1...100
    /// `max_categories`: categories kept per categorical feature.
    static let maxCategories = 1...1_000_000
    /// The pipeline seed.
    static let seed = 0...Int.max
    /// Replicates of one student: each is a full training run.
    static let replicates = 1...100
    /// Epochs without a better validation number before training stops.
    static let patience = 1...1_000_000
    /// Epochs of learning-rate warm-up, and between learning-rate steps.
    static let warmupEpochs = 0...1_000_000
    static let stepEpochs = 1...1_000_000
    /// Augmented transfer rows per training row.
    static let transferMultiplier = 0...100
    /// CPUs Slurm gives one training unit (`executor.cpus_per_unit`).
    static let cpusPerUnit = 1...1_024
    /// MPI ranks that train one student replicate under Slurm (`executor.student_ranks`).
    static let studentRanks = 1...1_024
    /// Depth of a GBDT teacher's trees: 2^depth leaves each, at most.
    static let maxDepth = 1...30
    /// Boosting rounds of one GBDT member.
    static let rounds = 1...1_000_000
    /// Rounds without a lower validation loss before boosting stops.
    static let earlyStopping = 1...1_000_000
}

/// The memory a network needs while it trains, estimated from its shape, so that a size the
/// machine cannot hold is refused before anything runs (and again by `prepare`, once the
/// input width is known) instead of aborting mid-run with "failed to allocate".
enum NetworkMemory {
    /// Bytes per parameter while training: 4-byte floats held as weights, gradients, Adam's
    /// two moments, the best epoch's copy and a checkpoint copy.
    static let bytesPerParameter = 24.0
    /// Input rows held at once while training (a block read from the dataset and the batch
    /// gathered from it): `SplitBlocks.defaultBlockRows` twice.
    static let inputRowsHeld = 2.0 * Double(SplitBlocks.defaultBlockRows)

    /// The memory of this machine: what any one network must fit in.
    static var available: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// One network of the pipeline and what it needs.
    struct Need {
        /// `a member of teacher 'species'`, `student 'kd'`.
        var network: String
        /// Index into the teachers or the students.
        var teacher: Int?
        var student: Int?
        var parameters: Double
        var bytes: Double
    }

    /// Every kind of network the pipeline trains (one per teacher, one per student) and its need.
    /// - Parameters:
    ///   - inputs: the width of the encoded features.
    ///   - outputs: per task (in task order): classes, or 1 for regression.
    static func needs(inputs: Int, outputs: [Int], tasks: [TaskSpec], teachers: [TeacherSpec],
                      students: [StudentSpec]) -> [Need] {
        var needs: [Need] = []
        // GBDT teachers have no parameters to size in advance: their trees grow with the data.
        for (i, teacher) in teachers.enumerated() where teacher.kind == .mlp {
            let t = tasks.firstIndex { $0.name == teacher.task } ?? 0
            let p = parameters(architecture: .hardSharing, inputs: inputs, hidden: teacher.hidden,
                               outputs: [outputs[t]], perUnit: false)
            needs.append(Need(network: "a member of teacher '\(teacher.task)'", teacher: i, student: nil,
                              parameters: p, bytes: bytes(parameters: p, inputs: inputs)))
        }
        for (i, student) in students.enumerated() {
            let p = parameters(architecture: student.architecture, inputs: inputs, hidden: student.hidden,
                               outputs: outputs, perUnit: student.perUnit)
            needs.append(Need(network: "student '\(student.name)'", teacher: nil, student: i,
                              parameters: p, bytes: bytes(parameters: p, inputs: inputs)))
        }
        return needs
    }

    /// Parameters of a network, in floating point (a product of widths may not fit an Int).
    /// Hard sharing: one trunk, a head per task; cross-stitch and soft sharing: one column and
    /// head per task (cross-stitch adds a T×T matrix per layer, or per unit).
    static func parameters(architecture: StudentSpec.Architecture, inputs: Int, hidden: [Int], outputs: [Int],
                           perUnit: Bool) -> Double {
        var column = 0.0
        var width = Double(inputs)
        for h in hidden.map(Double.init) {
            column += width * h + h
            width = h
        }
        let heads = outputs.reduce(0.0) { $0 + width * Double($1) + Double($1) }
        let tasks = Double(outputs.count)
        switch architecture {
        case .hardSharing:
            return column + heads + tasks
        case .softSharing:
            return tasks * column + heads + tasks
        case .crossStitch:
            let stitches = hidden.reduce(0.0) { $0 + (perUnit ? Double($1) : 1) * tasks * tasks }
            return tasks * column + heads + stitches + tasks
        }
    }

    static func bytes(parameters: Double, inputs: Int) -> Double {
        parameters * bytesPerParameter + inputRowsHeld * Double(inputs) * 4
    }

    /// `812 B`, `3.7 KiB`, `21.8 TiB`, `4.0e+03 PiB`.
    static func format(bytes: Double) -> String {
        if bytes < 1024 { return "\(Int(bytes)) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var scaled = bytes / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 { scaled /= 1024; unit += 1 }
        return String(format: scaled < 1e4 ? "%.1f" : "%.1e", scaled) + " " + units[unit]
    }

    /// `1234567` up to a million, `1.2e+12` beyond.
    static func format(count: Double) -> String {
        count < 1e6 ? String(Int(count)) : String(format: "%.1e", count)
    }
}
