import Artifacts
import Foundation

/// The training stage behind a set of units, set up once against the artifacts folder: what the
/// driver asks (which units are current) and what runs a unit (its stage's training function).
/// `PipelineRunner` (local executor, in-process) and `mtkd unit` build stages through it alike.
struct UnitWork {
    let context: StageContext
    let definition: StageDefinition
    /// Hashes of the stage's input files, by lock name.
    let inputs: [String: FileHash]
    let force: Bool
    let isTrusted: (String) -> Bool
    /// The MPI ranks each student replicate trains with (part of its fingerprint), when this
    /// process is not one of them: `executor.student_ranks` for the Slurm driver.
    var studentRanks = 1

    /// Whether an existing output file is the one the lock recorded (or the stage never completed,
    /// e.g. it was killed after writing some of its files): only such a file is reused.
    static func trust(previous: StageLock?, layout: ArtifactLayout, hasher: FileHasher) -> (String) -> Bool {
        { path in
            guard let recorded = previous?.outputs[layout.relative(path)] else { return previous == nil }
            return (try? hasher.hash(path)) == .some(recorded)  // unreadable: not trusted, retrained
        }
    }

    var teachers: TeachersStage {
        TeachersStage(context: context, datasetHash: inputs[context.layout.relative(context.layout.dataset)]!.sha256,
                      force: force, isTrusted: isTrusted)
    }

    /// The student stage; each replicate's fingerprint leaves the replicate count out, so adding
    /// replicates keeps the others.
    func student(_ variant: String) -> StudentStage {
        let student = context.spec.students.first { $0.name == variant }!
        let base = Fingerprint.of(stage: definition.name.description,
                                  params: definition.params.filter { !$0.key.hasSuffix(".replicates") }, inputs: inputs)
        var stage = StudentStage(context: context, student: student, fingerprint: base, force: force, isTrusted: isTrusted)
        stage.plannedRanks = studentRanks
        return stage
    }

    /// Whether the unit's output is what a run would write now (it is reused without training).
    func isCurrent(_ unit: WorkUnit) -> Bool {
        switch unit.kind {
        case .teacherMember(let task, let member):
            let stage = teachers
            guard let teacher = stage.teacher(task: task, member: member) else { return false }
            return stage.isCurrent(teacher, member: member)
        case .studentReplicate(let variant, let k):
            return student(variant).isCurrent(replicate: k)
        }
    }

    /// Trains (or reuses) the unit's network.
    func run(_ unit: WorkUnit, dataset: PreparedDataset) throws {
        switch unit.kind {
        case .teacherMember(let task, let member):
            let stage = teachers
            try stage.runMember(stage.teacher(task: task, member: member)!, member: member, dataset: dataset)
        case .studentReplicate(let variant, let k):
            try student(variant).runReplicate(k, dataset: dataset)
        }
    }
}
