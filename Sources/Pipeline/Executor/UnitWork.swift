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

    /// The stage's fingerprint: its parameters and its inputs' hashes.
    var fingerprint: String { Fingerprint.of(stage: definition.name.description, params: definition.params, inputs: inputs) }

    /// The hashes of the stage's outputs by lock name; nil when one is missing.
    func outputHashes() throws -> [String: FileHash]? {
        let hasher = FileHasher()
        var outputs: [String: FileHash] = [:]
        for path in definition.outputs {
            guard let h = try hasher.hash(path) else { return nil }
            outputs[context.layout.relative(path)] = h
        }
        return outputs
    }

    /// Whether the unit's output is what a run would write now (it is reused without training).
    /// A stage unit is current when the lock, or its state file (`last`, else read now), records its
    /// outputs as they are under this fingerprint.
    func isCurrent(_ unit: WorkUnit, last: UnitState? = nil) -> Bool {
        switch unit.kind {
        case .stage:
            guard !force, let outputs = try? outputHashes() else { return false }
            let entry = ((try? LockFile.read(from: context.layout.lock)) ?? nil)?.stages[definition.name.description]
            if let entry, entry.fingerprint == fingerprint, entry.outputs == outputs { return true }
            guard let state = last ?? UnitState.read(unit, context.layout) else { return false }
            return state.state == .done && state.fingerprint == fingerprint && state.outputs == outputs
        case .teacherMember(let task, let member):
            let stage = teachers
            guard let teacher = stage.teacher(task: task, member: member) else { return false }
            return stage.isCurrent(teacher, member: member)
        case .studentReplicate(let variant, let k):
            return student(variant).isCurrent(replicate: k)
        }
    }

    /// Trains (or reuses) the unit's network, or runs its stage.
    func run(_ unit: WorkUnit, dataset: PreparedDataset) throws {
        switch unit.kind {
        case .stage(let name):
            try runStage(name, dataset: dataset, jobs: 1)
        case .teacherMember(let task, let member):
            let stage = teachers
            try stage.runMember(stage.teacher(task: task, member: member)!, member: member, dataset: dataset)
        case .studentReplicate(let variant, let k):
            try student(variant).runReplicate(k, dataset: dataset)
        }
    }

    /// Runs a stage that trains nothing (soft targets, transfer, evaluate): what `mtkd run` does
    /// in its own process and a stage unit does as a Slurm job.
    func runStage(_ name: StageName, dataset: PreparedDataset, jobs: Int) throws {
        switch name {
        case .softTargets: try SoftTargetsStage(context: context).run(dataset: dataset, jobs: jobs)
        case .transfer: try TransferStage(context: context).run(dataset: dataset)
        case .evaluate: try EvaluateStage(context: context).run(dataset: dataset, jobs: jobs)
        default: preconditionFailure("stage \(name) is not a stage unit")
        }
    }
}
