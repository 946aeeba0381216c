import Foundation

/// Where a pipeline's training units run (`executor:` in the pipeline file, or `mtkd run
/// --executor …`, which wins): in this process (`local`, `--jobs` at a time) or as Slurm jobs.
///
/// None of it is part of any fingerprint: every executor runs the same units and writes the same
/// bytes, so switching executors never makes a stage stale. The one exception is `student_ranks`:
/// N data-parallel ranks give other bytes than one process, so a student replicate's fingerprint
/// holds its rank count, and the Slurm driver retrains students trained with another count.
public struct ExecutorSpec: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable { case local, slurm }

    public var kind: Kind = .local
    /// `sbatch --partition`; nil: the cluster's default partition.
    public var partition: String?
    /// `sbatch --time` of one unit, in Slurm's notation (`30`, `1:30:00`, `2-00:00:00`); nil: the partition's default.
    public var timeLimit: String?
    /// `sbatch --cpus-per-task` of one unit.
    public var cpusPerUnit = 1
    /// More `sbatch` arguments, given as they are (e.g. `--qos=short`, `--account=lab`).
    public var sbatchArgs: [String] = []
    /// MPI ranks that train each student replicate (`sbatch --ntasks`, `mpirun -np`); 1: one process.
    public var studentRanks = 1

    /// The values `cpus_per_unit` and `student_ranks` (and their command-line options) may take.
    public static let cpusPerUnitRange = SpecLimits.cpusPerUnit
    public static let studentRanksRange = SpecLimits.studentRanks

    public init(kind: Kind = .local) { self.kind = kind }

    /// Whether `text` is a Slurm time limit: minutes, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, or
    /// `UNLIMITED`/`INFINITE`.
    public static func isTimeLimit(_ text: String) -> Bool {
        if ["unlimited", "infinite"].contains(text.lowercased()) { return true }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        func numbers(_ s: Substring, max: Int) -> Bool {
            let fields = s.split(separator: ":", omittingEmptySubsequences: false)
            return (1...max).contains(fields.count) && fields.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        }
        if parts.count == 2 { return numbers(parts[0], max: 1) && numbers(parts[1], max: 3) }
        return numbers(parts[0], max: 3)
    }
}

extension SpecDraft {
    static let executorKeys = ["kind", "partition", "time_limit", "cpus_per_unit", "sbatch_args", "student_ranks"]

    /// Reads `executor:`.
    static func executor(_ node: SpecNode) throws -> ExecutorSpec {
        var spec = ExecutorSpec()
        try node.forEachEntry(keys: executorKeys, expected: "a mapping of executor settings (kind, partition, time_limit, …)") { key, value in
            switch key {
            case "kind": spec.kind = try value.choice(ExecutorSpec.Kind.self)
            case "partition": spec.partition = try value.nonEmptyString("a Slurm partition name")
            case "time_limit":
                let text = try value.nonEmptyString("a Slurm time limit such as 30, 1:30:00 or 2-00:00:00")
                guard ExecutorSpec.isTimeLimit(text) else {
                    throw value.error("'\(text)' is not a Slurm time limit: minutes (30), H:M:S (1:30:00) or D-H:M:S (2-00:00:00)")
                }
                spec.timeLimit = text
            case "cpus_per_unit": spec.cpusPerUnit = try value.int(in: SpecLimits.cpusPerUnit)
            case "student_ranks": spec.studentRanks = try value.int(in: SpecLimits.studentRanks)
            case "sbatch_args":
                spec.sbatchArgs = try value.items(of: "sbatch arguments").map { try $0.nonEmptyString("an sbatch argument such as --qos=short") }
            default: break
            }
        }
        return spec
    }
}
