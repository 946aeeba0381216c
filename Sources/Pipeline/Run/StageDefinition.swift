import Artifacts
import Foundation
import GBDT

/// What a stage depends on and produces: its parameters (canonical text), its input files
/// and its output files. The fingerprint is computed from the first two.
public struct StageDefinition: Sendable {
    public let name: StageName
    /// Flattened "key.path" → canonical value.
    public let params: [String: String]
    /// Absolute paths: data files, or artifacts produced by upstream stages.
    public let inputs: [String]
    /// Absolute paths of everything the stage writes (inside the artifacts folder).
    public let outputs: [String]
    /// Stages whose outputs this stage reads.
    public let upstream: [StageName]
}

extension StageDefinition {
    /// Every stage of the pipeline with its parameters, inputs and outputs.
    public static func all(_ spec: PipelineSpec) -> [StageDefinition] {
        let layout = ArtifactLayout(root: spec.artifactsDirectory)
        // This pipeline's own members, or those of the pipeline it takes its teachers from.
        let memberFiles = spec.teacherMembers.map { spec.teacherMemberFile(task: $0.teacher.task, member: $0.member) }
        let hasTeachers = !spec.teachers.isEmpty
        var stages: [StageDefinition] = []

        stages.append(StageDefinition(name: .prepare, params: prepareParams(spec), inputs: dataFiles(spec.data.source),
                                      outputs: [layout.dataset], upstream: []))

        if let source = spec.teacherSource {
            // Nothing is trained: the stage checks the other pipeline's members and records them.
            var t = Params()
            t.set("teachers.from", StageChecker.relativePath(source.pipeline.file, from: (spec.file as NSString).deletingLastPathComponent))
            t.set("teachers.from.tasks", source.tasks)
            for teacher in spec.teachers { t.teacher(teacher) }
            stages.append(StageDefinition(name: .teachers, params: t.values, inputs: [layout.dataset] + memberFiles,
                                          outputs: [layout.teachersFrom], upstream: [.prepare]))
        } else if hasTeachers {
            var t = Params()
            t.set("seed", spec.seed)
            for teacher in spec.teachers { t.teacher(teacher) }
            stages.append(StageDefinition(name: .teachers, params: t.values, inputs: [layout.dataset],
                                          outputs: memberFiles, upstream: [.prepare]))
        }
        if hasTeachers {
            var s = Params()
            s.set("soft_targets.combine", spec.softTargets.combine.rawValue)
            s.set("soft_targets.temperature", spec.softTargets.temperature)
            stages.append(StageDefinition(name: .softTargets, params: s.values, inputs: [layout.dataset] + memberFiles,
                                          outputs: [layout.softTargets], upstream: [.prepare, .teachers]))
            if let transfer = spec.transfer {
                var x = Params()
                x.set("seed", spec.seed)
                x.set("transfer.multiplier", transfer.multiplier); x.set("transfer.noise", transfer.noise)
                x.set("transfer.resample", transfer.resample); x.set("transfer.munge", transfer.munge); x.set("transfer.mixup", transfer.mixup)
                stages.append(StageDefinition(name: .transfer, params: x.values,
                                              inputs: [layout.dataset] + memberFiles + (transfer.unlabelled.map { [$0] } ?? []),
                                              outputs: [layout.transfer], upstream: [.prepare, .teachers]))
            }
        }
        for student in spec.students {
            var q = Params()
            q.set("seed", spec.seed)
            q.student(student)
            let distills = student.distill == .soft && hasTeachers
            let transfers = distills && student.transfer && spec.transfer != nil
            q.set("students.\(student.name).transfer", transfers)
            if distills {
                // The student's own temperature and combination, or the pipeline's.
                q.set("students.\(student.name).temperature", student.temperature ?? spec.softTargets.temperature)
                q.set("students.\(student.name).combine", (student.combine ?? spec.softTargets.combine).rawValue)
            }
            stages.append(StageDefinition(name: .student(student.name), params: q.values,
                                          inputs: [layout.dataset] + (distills ? [layout.softTargets] : []) + (transfers ? [layout.transfer] : []),
                                          outputs: (0..<student.replicates).map { layout.student(student.name, replicate: $0) },
                                          upstream: (distills ? [.prepare, .softTargets] : [.prepare]) + (transfers ? [.transfer] : [])))
        }
        var e = Params()
        e.set("soft_targets.combine", spec.softTargets.combine.rawValue)
        e.set("students", spec.students.map(\.name))
        e.set("baselines", spec.students.map { "\($0.name)=\($0.baseline ?? "default")" })
        e.set("teachers", spec.teachers.map { "\($0.task)×\($0.members)" })
        stages.append(StageDefinition(name: .evaluate, params: e.values,
                                      inputs: [layout.dataset] + memberFiles
                                          + spec.students.flatMap { s in (0..<s.replicates).map { layout.student(s.name, replicate: $0) } },
                                      outputs: [layout.metrics, layout.reportMarkdown],
                                      upstream: [.prepare] + (hasTeachers ? [.teachers] : []) + spec.students.map { .student($0.name) }))
        return stages
    }

    /// What the prepared dataset depends on besides the data files' content: the seed, the
    /// data section and the tasks.
    static func prepareParams(_ spec: PipelineSpec) -> [String: String] {
        var p = Params()
        p.set("seed", spec.seed)
        p.data(spec.data)
        for t in spec.tasks {
            p.set("tasks.\(t.name).column", t.column)
            p.set("tasks.\(t.name).type", t.kind.rawValue)
            p.set("tasks.\(t.name).positive", t.positiveValues)
        }
        p.set("tasks", spec.tasks.map(\.name))
        return p.values
    }

    static func dataFiles(_ source: DataSpec.Source) -> [String] {
        switch source {
        case .single(let path, _): return [path]
        case .files(let train, let val, let test, _): return [train] + (val.map { [$0] } ?? []) + [test]
        }
    }
}

/// Builds a flat, canonical parameter map: every value rendered one way only.
struct Params {
    private(set) var values: [String: String] = [:]

    mutating func set(_ key: String, _ v: String) { values[key] = v }
    mutating func set(_ key: String, _ v: Int) { values[key] = String(v) }
    mutating func set(_ key: String, _ v: UInt64) { values[key] = String(v) }
    mutating func set(_ key: String, _ v: Double) { values[key] = "\(v)" }
    mutating func set(_ key: String, _ v: Bool) { values[key] = v ? "true" : "false" }
    mutating func set(_ key: String, _ v: [String]) {
        values[key] = "[" + v.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ", ") + "]"
    }
    mutating func set(_ key: String, _ v: [Int]) { values[key] = "[" + v.map(String.init).joined(separator: ", ") + "]" }

    mutating func data(_ d: DataSpec) {
        switch d.source {
        case .single(_, let split):
            set("data.split.train", split.train); set("data.split.val", split.val); set("data.split.test", split.test)
        case .files(_, let val, _, let fraction):
            if val == nil { set("data.val_fraction", fraction) }
        }
        set("data.header", d.header)
        set("data.columns", d.columnNames)
        set("data.delimiter", String(d.delimiter))
        set("data.missing_values", d.missingValues)
        set("data.missing_features", d.missingFeatures.rawValue)
        set("data.max_categories", d.maxCategories.map(String.init) ?? "none")
        set("data.features.numeric", d.features.filter { $0.kind == .numeric }.map(\.column))
        set("data.features.categorical", d.features.filter { $0.kind == .categorical }.map(\.column))
        // Numeric columns not standardised, per scaling (written however the file grouped them);
        // absent when every column is standard, as before scaling existed.
        for scaling in NumericScaling.allCases where scaling != .standard {
            let columns = d.features.filter { $0.kind == .numeric && $0.scaling == scaling }.map(\.column)
            if !columns.isEmpty { set("data.features.scaling.\(scaling.rawValue)", columns) }
        }
    }

    mutating func training(_ prefix: String, _ t: TrainingSpec) {
        set("\(prefix).epochs", t.epochs)
        if let steps = t.steps { set("\(prefix).steps", steps) }   // only when given: other pipelines keep their fingerprints
        set("\(prefix).batch_size", t.batchSize)
        set("\(prefix).learning_rate", t.learningRate); set("\(prefix).optimizer", t.optimizer.rawValue)
        set("\(prefix).momentum", t.momentum); set("\(prefix).weight_decay", t.weightDecay)
        set("\(prefix).select_by", t.selectBy.rawValue); set("\(prefix).patience", t.patience.map(String.init) ?? "none")
        set("\(prefix).lr_schedule", t.lrSchedule.rawValue)
        switch t.lrSchedule {
        case .constant: break
        case .cosine: set("\(prefix).warmup_epochs", t.warmupEpochs)
        case .step: set("\(prefix).step_epochs", t.stepEpochs); set("\(prefix).step_gamma", t.stepGamma)
        }
    }

    /// The settings of one task's teachers, those of its kind only (an MLP teacher's keys are
    /// the same as before GBDT teachers existed, so its fingerprint did not change).
    mutating func teacher(_ t: TeacherSpec) {
        let k = t.key
        set("\(k).members", t.members)
        switch t.kind {
        case .mlp:
            set("\(k).hidden", t.hidden); set("\(k).dropout", t.dropout)
            training(k, t.training)
        case .gbdt:
            let b = t.boosting
            set("\(k).kind", t.kind.rawValue)
            set("\(k).max_depth", b.maxDepth); set("\(k).learning_rate", b.learningRate)
            set("\(k).rounds", b.rounds); set("\(k).early_stopping", b.earlyStopping)
            set("\(k).subsample", b.subsample); set("\(k).colsample", b.colsample)
            set("\(k).min_child_weight", b.minChildWeight); set("\(k).lambda", b.lambda)
            // Another XGBoost may grow other trees from the same settings.
            set("\(k).xgboost", XGBoostLibrary.version)
        }
    }

    mutating func student(_ s: StudentSpec) {
        let k = "students.\(s.name)"
        set("\(k).architecture", s.architecture.rawValue); set("\(k).hidden", s.hidden); set("\(k).dropout", s.dropout)
        set("\(k).distill", s.distill.rawValue); set("\(k).alpha", s.alpha)
        set("\(k).task_weights", s.taskWeights.keys.sorted().map { "\($0)=\(s.taskWeights[$0]!)" })
        set("\(k).task_weighting", s.taskWeighting.rawValue)
        set("\(k).replicates", s.replicates)
        set("\(k).alpha_schedule", s.alphaSchedule.rawValue)
        set("\(k).batching", s.batching.rawValue)
        if s.batching == .perTask { set("\(k).sampling_temperature", s.samplingTemperature) }
        switch s.architecture {
        case .hardSharing: break
        case .crossStitch:
            set("\(k).alpha_same", s.alphaSame); set("\(k).per_unit", s.perUnit); set("\(k).stitch_lr_scale", s.stitchLearningRateScale)
        case .softSharing: set("\(k).lambda", s.lambda)
        }
        training(k, s.training)
    }
}
