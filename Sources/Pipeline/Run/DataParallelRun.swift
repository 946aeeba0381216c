import Artifacts
import Foundation
import MultiTask
import Tensor

/// The ranks of `mpirun -np N mtkd run …` (N > 1). Rank 0 is the driver: it runs the pipeline as
/// one process would (lock, staleness, every stage, checkpoints, outputs, console). When it trains
/// a student replicate it tells the other ranks, which train the same replicate with it,
/// data-parallel, and write nothing. Between replicates the other ranks wait for rank 0.
public protocol RankGroup: DataParallelGroup {
    /// Rank 0's `bytes` to every rank (others pass a buffer of the same size to receive into).
    func broadcast(_ bytes: inout [UInt8])
    /// Ends every rank of the job: for a rank that fails while others may wait for it.
    func abort(_ code: Int32) -> Never
}

extension RankGroup {
    /// Rank 0, at the end of a run (however it ended): lets the other ranks finish.
    public func endRun() { RankCommand.quit.send(self) }
}

/// What rank 0 tells the other ranks.
enum RankCommand: Equatable {
    /// Train replicate `replicate` of student `student`, from its checkpoint when `resume`.
    case train(student: String, replicate: Int, resume: Bool)
    /// The run is over.
    case quit

    /// Bytes of one broadcast message: room for any student name the spec allows.
    static let messageBytes = 1024

    var text: String {
        switch self {
        case .train(let s, let k, let resume): return "train\t\(s)\t\(k)\t\(resume ? 1 : 0)"
        case .quit: return "quit"
        }
    }

    init?(text: String) {
        let f = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        switch f.first {
        case "quit" where f.count == 1: self = .quit
        case "train" where f.count == 4:
            guard let k = Int(f[2]), let r = Int(f[3]) else { return nil }
            self = .train(student: f[1], replicate: k, resume: r == 1)
        default: return nil
        }
    }

    /// Rank 0: sends the command to the other ranks.
    func send(_ group: RankGroup) {
        var bytes = [UInt8](repeating: 0, count: Self.messageBytes)
        let utf8 = Array(text.utf8)
        precondition(utf8.count < Self.messageBytes, "command too long: \(text)")
        bytes.replaceSubrange(0..<utf8.count, with: utf8)
        group.broadcast(&bytes)
    }

    /// Other ranks: waits for rank 0's next command.
    static func receive(_ group: RankGroup) -> RankCommand? {
        var bytes = [UInt8](repeating: 0, count: messageBytes)
        group.broadcast(&bytes)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return RankCommand(text: String(decoding: bytes[..<end], as: UTF8.self))
    }
}

/// A rank other than 0 of `mpirun -np N mtkd run`: trains what rank 0 says until it says quit.
public struct DataParallelFollower {
    /// nil when this rank could not read the pipeline file (rank 0 then says why, and ends the run).
    public let spec: PipelineSpec?
    public let group: RankGroup
    public let threads: Int

    public init(spec: PipelineSpec?, group: RankGroup, threads: Int) {
        self.spec = spec; self.group = group; self.threads = threads
    }

    /// Serves rank 0's commands; a failure here ends every rank (rank 0 may be waiting in a collective).
    public func serve() {
        BLAS.setThreads(threads)
        while true {
            guard let command = RankCommand.receive(group) else {
                fail("rank \(group.rank) received a command it does not understand")
            }
            guard case .train(let name, let k, let resume) = command else { return }
            guard let spec else { fail("rank \(group.rank) could not read the pipeline file") }
            let layout = ArtifactLayout(root: spec.artifactsDirectory)
            var context = StageContext(spec: spec, layout: layout, console: Console(quiet: true))
            context.ranks = group
            do {
                guard let student = spec.students.first(where: { $0.name == name }) else {
                    fail("rank \(group.rank): rank 0 trains student \(name), which \(spec.file) does not define")
                }
                let dataset = try PreparedDataset.read(from: layout.dataset, features: false)
                try StudentStage(context: context, student: student, fingerprint: "").follow(replicate: k, resume: resume, dataset: dataset)
            } catch {
                fail("rank \(group.rank): student \(name) replicate \(k): \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            }
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("mtkd: \(message); ending every rank\n".utf8))
        group.abort(1)
    }
}
