import Foundation
import MPI
import MultiTask
import Pipeline

/// Open MPI's ranks as the data-parallel group of `mpirun -np N mtkd run`.
extension MPIWorld: RankGroup {}

/// `mtkd run` started by `mpirun -np N` with N > 1 (see README, "Data-parallel students").
enum MPIRun {
    /// The ranks, when this process is one of several `mpirun` started; nil otherwise (MPI is
    /// then never initialised).
    static func world() throws -> MPIWorld? {
        guard let n = MPIWorld.launchedSize, n > 1 else { return nil }
        do { return try MPIWorld() } catch { throw CLIError.failed("\(error)") }
    }

    /// Rank 0 runs `body` (the pipeline); whatever happens, the other ranks are told the run is
    /// over, and MPI ends in this process before it exits.
    static func driver(_ world: MPIWorld, _ body: () throws -> Void) throws {
        var failure: Error?
        do { try body() } catch { failure = error }
        world.endRun()
        world.finalize()
        if let failure { throw failure }
    }

    /// Ranks other than 0: train what rank 0 says until the run is over, then exit (0, or
    /// 128 + the signal that stopped the run).
    static func follower(_ world: MPIWorld, pipeline: PipelineOptions, threads: Int) -> Never {
        let spec = try? pipeline.load()
        if let spec { Interruption.install(artifactsRoot: spec.artifactsDirectory) }
        DataParallelFollower(spec: spec, group: world, threads: threads).serve()
        world.finalize()
        exit(Interruption.exitCode ?? 0)
    }
}
