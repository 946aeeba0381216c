import Artifacts
import Foundation

/// `mtkd run --executor slurm` from the first stage the driver does not run itself (everything
/// after prepare): every stage to run is submitted at once, in order, each job after the jobs of
/// the stages it reads (`--dependency=afterok`), so the pipeline completes on the cluster even if
/// the driver is killed; the driver then follows the jobs in order and records each stage once its
/// units succeeded and its outputs carry the fingerprint computed from the recorded upstream outputs.
extension PipelineRunner {
    typealias Pending = (definition: StageDefinition, forced: Bool, state: StageState)

    /// The stages of `stages` to run: stale or forced ones, and every stage reading from one of
    /// them (its inputs are known only once those ran). `fromIndex`: `--from`'s position in `stages`.
    func aheadStages(_ stages: [StageDefinition], checker: StageChecker, lock: LockFile, fromIndex: Int?, ranks: Int) throws -> [Pending] {
        var pending: [Pending] = []
        for (position, d) in stages.enumerated() {
            let name = d.name.description
            if let only = options.only, only != name { continue }
            let forced = fromIndex.map { position >= $0 } ?? options.force
            var state = try checker.state(of: d, lock: lock)
            if state == .upToDate {
                let reasons = SlurmExecutor.otherRankCounts(d, spec: spec, layout: layout, checker: checker, ranks: ranks)
                if !reasons.isEmpty { state = .stale(reasons) }
            }
            let upstream = d.upstream.filter { u in pending.contains { $0.definition.name == u } }
            if state == .upToDate, !upstream.isEmpty { state = .stale(upstream.map { "upstream stage \($0) will re-run" }) }
            if !forced, state == .upToDate { continue }  // said by runAhead, in order
            pending.append((d, forced, state))
        }
        return pending
    }

    /// Submits `pending` (chosen among `stages`) ahead, then follows and records each stage in order;
    /// returns how many ran. A stage that fails cancels the jobs submitted after it (they would wait for ever).
    func runAhead(_ pending: [Pending], among stages: [StageDefinition], slurm: SlurmExecutor, checker: StageChecker,
                  lock: inout LockFile, timings: inout Timings) throws -> Int {
        var jobs: [StageName: String] = [:]
        var submissions: [SlurmExecutor.Submission?] = []
        for d in stages {
            let name = d.name.description
            guard let p = pending.first(where: { $0.definition.name == d.name }) else {
                if options.only == nil || options.only == name { console.info("==> \(name): up to date, skipping") }
                continue
            }
            announce(name, forced: p.forced, state: p.state)
            let after = d.upstream.compactMap { jobs[$0] }
            do {
                // Its inputs are final when nothing it reads is still to run: then only what is not current is submitted.
                let work = after.isEmpty ? try unitWork(d, checker: checker, previous: lock.stages[name], timings: NetworkTimings()) : nil
                let submission = try slurm.start(stage: d.name, units: WorkUnit.of(d.name, in: spec), work: work, forced: p.forced, after: after)
                jobs[d.name] = submission?.job
                submissions.append(submission)
            } catch let error as SpecError {
                throw error
            } catch {
                throw StageFailure(stage: name, underlying: error)
            }
        }
        var ran = 0
        for (i, p) in pending.enumerated() {
            let d = p.definition, name = d.name.description
            slurm.later = submissions[(i + 1)...].compactMap { $0?.job }
            if let job = submissions[i]?.job { console.stage("\(name): job \(job)") }
            let clock = ContinuousClock()
            let start = clock.now
            let networks = NetworkTimings()
            let entry: StageLock
            do {
                let work = try unitWork(d, checker: checker, previous: lock.stages[name], timings: networks)
                try slurm.follow(stage: d.name, submission: submissions[i], units: WorkUnit.of(d.name, in: spec), work: work, timings: networks)
                var outputs: [String: FileHash] = [:]
                for path in d.outputs {
                    guard let h = try hasher.hash(path) else { throw ArtifactError(path: path, "the stage did not write this output") }
                    outputs[layout.relative(path)] = h
                }
                entry = StageLock(fingerprint: work.fingerprint, params: d.params, inputs: work.inputs, outputs: outputs)
            } catch let stopped as Interruption.Stopped {
                throw stopped
            } catch {
                slurm.cancelLater()
                throw StageFailure(stage: name, underlying: error)
            }
            let seconds = (clock.now - start).seconds
            console.info("  \(name) done in \(Format.seconds(seconds))")
            lock.stages[name] = entry
            timings.stages[name] = Timings.Stage(seconds: seconds, finished: ISO8601DateFormatter().string(from: Date()), networks: networks.all)
            try lock.write(to: layout.lock)
            try timings.write(to: layout.timings)
            ran += 1
        }
        return ran
    }

    /// Stage `d` set up against its inputs as they are now (which must exist).
    private func unitWork(_ d: StageDefinition, checker: StageChecker, previous: StageLock?, timings: NetworkTimings) throws -> UnitWork {
        let inputs = try checker.inputHashes(d)
        let context = StageContext(spec: spec, layout: layout, console: console, timings: timings)
        return UnitWork(context: context, definition: d, inputs: inputs, force: false,
                        isTrusted: UnitWork.trust(previous: previous, layout: layout, hasher: hasher))
    }
}
