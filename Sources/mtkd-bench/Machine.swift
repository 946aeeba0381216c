#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Tensor

/// The load averages of /proc/loadavg: how busy the machine was around a measurement.
struct LoadAverage: Encodable {
    var one: Double
    var five: Double
    var fifteen: Double

    static func now() -> LoadAverage {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        let v = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return v.count == 3 ? LoadAverage(one: v[0], five: v[1], fifteen: v[2]) : LoadAverage(one: .nan, five: .nan, fifteen: .nan)
    }

    var json: JSONValue { ["one": .number(one), "five": .number(five), "fifteen": .number(fifteen)] }
}

/// Wall and CPU seconds of this process since `start()`.
///
/// At one thread, CPU/wall ≈ 1 means the work had a core to itself; well below 1, other
/// processes took turns on it and the wall time is inflated.
struct Stopwatch {
    private let wall0: UInt64
    private let cpu0: Double

    static func start() -> Stopwatch { Stopwatch(wall0: Stopwatch.monotonicNanoseconds(), cpu0: Stopwatch.processCPUSeconds()) }

    var wallSeconds: Double { Double(Stopwatch.monotonicNanoseconds() &- wall0) * 1e-9 }
    var cpuSeconds: Double { Stopwatch.processCPUSeconds() - cpu0 }

    /// Nanoseconds of the monotonic clock (cheap: safe to read several times per training step).
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// What the machine and the tools were, so a reader can judge and repeat a run.
enum MachineInfo {
    static func collect(bench: Bench) -> JSONValue {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map(String.init) ?? ""
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } }
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let python = (try? bench.pythonJSON("versions.py", [])) ?? .null
        return [
            "nproc": .number(Double(ProcessInfo.processInfo.activeProcessorCount)),
            "cpu_model": .string(model),
            "cpu_flags": ["avx2": .bool(flags.contains(" avx2")), "fma": .bool(flags.contains(" fma")),
                          "avx512f": .bool(flags.contains(" avx512f"))],
            "memory_gib": .number(memKB.map { $0 / 1_048_576 }),
            "kernel": .string(kernel),
            "swift": .string(firstLine(["swift", "--version"], bench: bench)),
            "mtkd": .string(firstLine([bench.mtkd, "--version"], bench: bench)),
            "openblas": .string(firstLine(["pkg-config", "--modversion", "openblas"], bench: bench)),
            "hdf5_mtkd": .string(firstLine(["pkg-config", "--modversion", "hdf5"], bench: bench)),
            "libdeflate": .string(firstLine(["pkg-config", "--modversion", "libdeflate"], bench: bench)),
            "mtkd_kernels": .string(Kernels.usesAVXFMA ? "AVX+FMA build" : "baseline build"),
            "python": python,
        ]
    }

    private static func firstLine(_ command: [String], bench: Bench) -> String {
        guard let r = try? Subprocess.run(command, in: bench.root), r.status == 0 else { return "unknown" }
        return String(r.stdout.split(separator: "\n").first ?? "")
    }
}
