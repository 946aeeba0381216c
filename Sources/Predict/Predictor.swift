import Artifacts
import MultiTask
import NN
import Tensor

/// A model that predicts from encoded input rows: one network (a student or a teacher member),
/// one gradient-boosted teacher member, or the teacher ensembles of a pipeline (members of
/// either kind), with what the outputs mean.
public final class Predictor {
    /// One predicted task: its classes (classification) or label scaling (regression).
    public typealias Task = Preprocessing.Task

    /// The preprocessing every model here shares (its `tasks` are the first model's).
    public let preprocessing: Preprocessing
    /// The tasks predicted, in output order.
    public let tasks: [Task]
    /// What is predicting, for messages: "student kd", "teacher ensembles", …
    public let description: String

    private enum Models {
        case single(MultiTaskNetwork)
        /// One teacher member of one task (a booster): its logits or standardised prediction.
        case member(TeacherPredictor)
        /// Per task: its members (of either kind) and how they combine.
        case ensembles([[TeacherPredictor]], EnsembleCombine)
    }
    private let models: Models

    /// One model file: a student (all its tasks) or a teacher member (its task).
    /// - Throws: `PredictError.badModel` when the file has no preprocessing.
    public init(model: ModelFile, path: String) throws {
        preprocessing = try Self.preprocessing(model.preprocessing, path: path)
        tasks = preprocessing.tasks
        description = "\(model.role) \(model.name)"
        models = .single(try model.makeNetwork())
    }

    /// A gradient-boosted teacher member: the margins of its kept rounds as its logits (or
    /// standardised prediction), given the rows as the soft-targets stage gave them.
    /// - Throws: `PredictError.badModel` when the file has no preprocessing.
    public init(boosted member: GBDTMemberFile, path: String) throws {
        preprocessing = try Self.preprocessing(member.preprocessing, path: path)
        tasks = preprocessing.tasks
        description = "\(member.role) \(member.name)"
        models = .member(try member.makeModel())
    }

    /// A teacher member file of either kind, or a student's file (`.mlp`).
    public convenience init(file: TeacherMemberFile, path: String) throws {
        switch file {
        case .mlp(let m): try self.init(model: m, path: path)
        case .gbdt(let g): try self.init(boosted: g, path: path)
        }
    }

    private static func preprocessing(_ p: Preprocessing?, path: String) throws -> Preprocessing {
        guard let p else {
            throw PredictError.badModel("\(path): the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        return p
    }

    /// Teacher ensembles: per task, its members' files (single-task networks or boosters, mixed
    /// as the pipeline mixes them), combined as the pipeline's soft targets are, at temperature
    /// 1: `mean-probs` averages the members' probabilities, `mean-logits` takes the softmax of
    /// their mean logits; regression members' predictions are averaged.
    /// - Parameter ensembles: per task, (path, file) of each member; every member must read the same features.
    public init(ensembles: [[(path: String, member: TeacherMemberFile)]], combine: EnsembleCombine) throws {
        guard let first = ensembles.first?.first else { throw PredictError.badModel("the pipeline has no teachers") }
        let p = try Self.preprocessing(first.member.preprocessing, path: first.path)
        var tasks: [Task] = []
        var members: [[TeacherPredictor]] = []
        for ensemble in ensembles {
            var predictors: [TeacherPredictor] = []
            var task: Task? = nil
            for (path, member) in ensemble {
                let q = try Self.preprocessing(member.preprocessing, path: path)
                guard q.features == p.features, q.csv == p.csv, q.missingFeatures == p.missingFeatures else {
                    throw PredictError.badModel("\(path): reads other features than \(first.path); the ensembles' members must share their inputs")
                }
                guard q.tasks.count == 1, task == nil || task == q.tasks[0] else {
                    throw PredictError.badModel("\(path): predicts \(q.tasks.map(\.name)), not its ensemble's task \(task?.name ?? "")")
                }
                task = q.tasks[0]
                predictors.append(try member.makePredictor())
            }
            guard let task else { throw PredictError.badModel("an ensemble has no members") }
            tasks.append(task)
            members.append(predictors)
        }
        preprocessing = Preprocessing(csv: p.csv, missingFeatures: p.missingFeatures, features: p.features, tasks: tasks)
        self.tasks = tasks
        description = "teacher ensembles (\(combine.rawValue))"
        models = .ensembles(members, combine)
    }

    /// Rows per forward pass: `MultiTaskNetwork.predict`'s default, which the evaluation uses.
    /// Matrix products round a row's sums depending on where it falls in a batch, so the same
    /// batches give the evaluation's outputs to the bit. (A booster's margins do not depend on it.)
    public static let batchRows = 1024

    /// x (N, inputs) → per task (N, C) class probabilities, or (N, 1) values in label units.
    /// - Throws: `XGBoostError` when a booster fails to predict.
    public func predict(_ x: Matrix) throws -> [Matrix] {
        switch models {
        case .single(let net):
            return zip(net.predict(x, batchSize: Self.batchRows), tasks).map { Self.finish($0, $1) }
        case .member(let member):
            return [Self.finish(try member.predict(x), tasks[0])]
        case .ensembles(let members, let combine):
            return try zip(members, tasks).map { predictors, task in
                // NetworkTeacher predicts in batches of 1,024 (`batchRows`), as the evaluation does.
                let outputs = try predictors.map { try $0.predict(x) }
                if task.kind == .classification {
                    return Ensemble.probabilities(memberLogits: outputs, combine: combine, temperature: 1)
                }
                return Self.finish(Ensemble.meanPrediction(outputs), task)
            }
        }
    }

    /// Logits → probabilities; standardised values → label units (`Float(y·std + mean)`, in double).
    static func finish(_ output: Matrix, _ task: Task) -> Matrix {
        switch task.kind {
        case .classification:
            return Softmax.probabilities(output)
        case .regression:
            var out = output
            let (m, s) = (task.labelMean, task.labelStd)
            out.storage.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = Float(Double(p[i]) * s + m) }
            }
            return out
        }
    }
}
