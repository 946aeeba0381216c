import Artifacts
import MultiTask
import NN
import Tensor

/// A model that predicts from encoded input rows: one network (a student or a teacher member)
/// or the teacher ensembles of a pipeline, with what the outputs mean.
public final class Predictor {
    /// One predicted task: its classes (classification) or label scaling (regression).
    public typealias Task = Preprocessing.Task

    /// The preprocessing every network here shares (its `tasks` are the first network's).
    public let preprocessing: Preprocessing
    /// The tasks predicted, in output order.
    public let tasks: [Task]
    /// What is predicting, for messages: "student kd", "teacher ensembles", …
    public let description: String

    private enum Networks {
        case single(MultiTaskNetwork)
        /// Per task: its members (single-task networks) and how they combine.
        case ensembles([[MultiTaskNetwork]], EnsembleCombine)
    }
    private let networks: Networks

    /// One model file: a student (all its tasks) or a teacher member (its task).
    /// - Throws: `PredictError.badModel` when the file has no preprocessing.
    public init(model: ModelFile, path: String) throws {
        guard let p = model.preprocessing else {
            throw PredictError.badModel("\(path): the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        preprocessing = p
        tasks = p.tasks
        description = "\(model.role) \(model.name)"
        networks = .single(try model.makeNetwork())
    }

    /// Teacher ensembles: per task, its members' files (single-task networks), combined as the
    /// pipeline's soft targets are, at temperature 1: `mean-probs` averages the members'
    /// probabilities, `mean-logits` takes the softmax of their mean logits; regression members'
    /// predictions are averaged.
    /// - Parameter ensembles: per task, (path, file) of each member; every member must read the same features.
    public init(ensembles: [[(path: String, model: ModelFile)]], combine: EnsembleCombine) throws {
        guard let first = ensembles.first?.first else { throw PredictError.badModel("the pipeline has no teachers") }
        guard let p = first.model.preprocessing else {
            throw PredictError.badModel("\(first.path): the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
        }
        var tasks: [Task] = []
        var members: [[MultiTaskNetwork]] = []
        for ensemble in ensembles {
            var nets: [MultiTaskNetwork] = []
            var task: Task? = nil
            for (path, model) in ensemble {
                guard let q = model.preprocessing else {
                    throw PredictError.badModel("\(path): the model file holds no preprocessing (written by an older mtkd); re-run its pipeline to rewrite it")
                }
                guard q.features == p.features, q.csv == p.csv, q.missingFeatures == p.missingFeatures else {
                    throw PredictError.badModel("\(path): reads other features than \(first.path); the ensembles' members must share their inputs")
                }
                guard q.tasks.count == 1, task == nil || task == q.tasks[0] else {
                    throw PredictError.badModel("\(path): predicts \(q.tasks.map(\.name)), not its ensemble's task \(task?.name ?? "")")
                }
                task = q.tasks[0]
                nets.append(try model.makeNetwork())
            }
            guard let task else { throw PredictError.badModel("an ensemble has no members") }
            tasks.append(task)
            members.append(nets)
        }
        preprocessing = Preprocessing(csv: p.csv, missingFeatures: p.missingFeatures, features: p.features, tasks: tasks)
        self.tasks = tasks
        description = "teacher ensembles (\(combine.rawValue))"
        networks = .ensembles(members, combine)
    }

    /// Rows per forward pass: `MultiTaskNetwork.predict`'s default, which the evaluation uses.
    /// Matrix products round a row's sums depending on where it falls in a batch, so the same
    /// batches give the evaluation's outputs to the bit.
    public static let batchRows = 1024

    /// x (N, inputs) → per task (N, C) class probabilities, or (N, 1) values in label units.
    public func predict(_ x: Matrix) -> [Matrix] {
        switch networks {
        case .single(let net):
            return zip(net.predict(x, batchSize: Self.batchRows), tasks).map { Self.finish($0, $1) }
        case .ensembles(let members, let combine):
            return zip(members, tasks).map { nets, task in
                let outputs = nets.map { $0.predict(x, batchSize: Self.batchRows)[0] }
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
