#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Running other programs: the Python references, and mtkd itself under `/usr/bin/time -v`.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
    }

    /// Runs `command` (looked up on PATH) in `directory`. Standard output is captured, or with
    /// `showOutput` passed to our standard error; standard error is passed on when
    /// `passStandardError` (the helpers' progress stays visible), else dropped.
    static func run(_ command: [String], in directory: String, passStandardError: Bool = false,
                    showOutput: Bool = false) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = showOutput ? FileHandle.standardError : out
        process.standardError = passStandardError ? FileHandle.standardError : FileHandle.nullDevice
        try process.run()
        let data = showOutput ? Data() : out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }

    /// Runs `command` under `/usr/bin/time -v` (wall, CPU, peak RSS as the kernel counts them),
    /// while sampling the child's resident memory every 100 ms and noting mtkd's stage headings
    /// (`==> stage` on standard error), so the peak can be pinned to a stage.
    ///
    /// Standard output goes to `<log>.out`, standard error to `<log>.log`, time's report to `<log>.time`.
    static func timed(_ command: [String], in directory: String, log: String) throws -> TimedRun {
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let timeReport = log + ".time"
        for suffix in [".out", ".log"] { _ = FileManager.default.createFile(atPath: log + suffix, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-v", "-o", timeReport] + command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle(forWritingAtPath: log + ".out")
        let errors = Pipe()
        process.standardError = errors

        let recorder = StageRecorder(log: FileHandle(forWritingAtPath: log + ".log")!)
        let loadBefore = LoadAverage.now()
        let clock = Stopwatch.start()
        try process.run()
        let reader = Thread { recorder.drain(errors.fileHandleForReading, clock: clock) }
        reader.start()
        let sampler = Thread { recorder.sample(timePID: process.processIdentifier, clock: clock) }
        sampler.start()
        process.waitUntilExit()
        let wall = clock.wallSeconds
        recorder.finish()

        let report = (try? String(contentsOfFile: timeReport, encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double? {
            report.split(separator: "\n").first { $0.contains(name) }
                .flatMap { $0.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
        }
        return TimedRun(command: command, wallSeconds: wall,
                        userSeconds: field("User time (seconds)") ?? .nan,
                        systemSeconds: field("System time (seconds)") ?? .nan,
                        maxRSSKB: field("Maximum resident set size (kbytes)") ?? .nan,
                        exitStatus: process.terminationStatus,
                        stages: recorder.stages(), loadBefore: loadBefore, loadAfter: LoadAverage.now(), log: log + ".log")
    }
}

/// One timed run of a program (mtkd).
struct TimedRun {
    struct Stage {
        var name: String
        /// mtkd's own "<stage> done in …" figure.
        var seconds: Double?
        /// Highest sampled RSS while this was the latest stage heading (with --jobs 2 stages overlap).
        var sampledPeakRSSKB: Double?
    }

    var command: [String]
    var wallSeconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    /// "Maximum resident set size" of time -v.
    var maxRSSKB: Double
    var exitStatus: Int32
    var stages: [Stage]
    var loadBefore: LoadAverage
    var loadAfter: LoadAverage
    var log: String

    var cpuOverWall: Double { (userSeconds + systemSeconds) / wallSeconds }
    var maxRSSMiB: Double { maxRSSKB / 1024 }

    var json: JSONValue {
        ["command": .string(command.joined(separator: " ")),
         "wall_seconds": .number(wallSeconds), "user_seconds": .number(userSeconds),
         "system_seconds": .number(systemSeconds), "cpu_over_wall": .number(cpuOverWall),
         "max_rss_mib": .number(maxRSSMiB), "exit_status": .number(Double(exitStatus)),
         "stages": .array(stages.map {
             ["name": .string($0.name), "seconds": .number($0.seconds),
              "sampled_peak_rss_mib": .number($0.sampledPeakRSSKB.map { $0 / 1024 })]
         }),
         "load_before": loadBefore.json, "load_after": loadAfter.json, "log": .string(log)]
    }
}

/// Collects a running mtkd's standard error (into a log) and its memory samples, from two threads.
private final class StageRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let log: FileHandle
    private var headings: [(time: Double, name: String)] = []
    private var doneIn: [String: Double] = [:]
    private var samples: [(time: Double, rssKB: Double)] = []
    private var running = true
    private let drained = DispatchSemaphore(value: 0)
    private let sampled = DispatchSemaphore(value: 0)

    init(log: FileHandle) { self.log = log }

    /// Reads standard error to its end, line by line.
    func drain(_ handle: FileHandle, clock: Stopwatch) {
        var pending = ""
        while true {
            let data = handle.availableData
            if data.isEmpty { break }
            log.write(data)
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                note(line: String(pending[..<newline]), at: clock.wallSeconds)
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        drained.signal()
    }

    private func note(line: String, at time: Double) {
        let plain = line.replacingOccurrences(of: "\u{1B}[1m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "")
        lock.withLock {
            if plain.hasPrefix("==> ") {
                headings.append((time, String(plain.dropFirst(4))))
            } else if let r = plain.range(of: " done in ") {
                let name = plain[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
                if let s = Self.seconds(String(plain[r.upperBound...])) { doneIn[name] = s }
            }
        }
    }

    /// "5.2s" or "1m19s" (mtkd's format) in seconds.
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix("s") else { return nil }
        let body = t.dropLast()
        if let m = body.firstIndex(of: "m") {
            guard let minutes = Double(body[..<m]), let secs = Double(body[body.index(after: m)...]) else { return nil }
            return minutes * 60 + secs
        }
        return Double(body)
    }

    /// Samples the resident memory of time's child (the timed program) until `finish()`.
    func sample(timePID: Int32, clock: Stopwatch) {
        while lock.withLock({ running }) {
            let children = (try? String(contentsOfFile: "/proc/\(timePID)/task/\(timePID)/children", encoding: .utf8)) ?? ""
            if let child = children.split(separator: " ").first,
               let status = try? String(contentsOfFile: "/proc/\(child)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
               let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) {
                let t = clock.wallSeconds
                lock.withLock { samples.append((t, kb)) }
            }
            usleep(100_000)
        }
        sampled.signal()
    }

    func finish() {
        drained.wait()
        lock.withLock { running = false }
        sampled.wait()
    }

    func stages() -> [TimedRun.Stage] {
        lock.withLock {
            headings.enumerated().map { i, h in
                let end = i + 1 < headings.count ? headings[i + 1].time : .infinity
                let peak = samples.filter { $0.time >= h.time && $0.time < end }.map(\.rssKB).max()
                return TimedRun.Stage(name: h.name, seconds: doneIn[h.name], sampledPeakRSSKB: peak)
            }
        }
    }
}
