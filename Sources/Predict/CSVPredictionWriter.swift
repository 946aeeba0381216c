#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Artifacts
import Foundation
import Metrics
import Tabular
import Tensor

/// Writes predictions as CSV (comma-separated, a header line, RFC 4180 quoting where needed):
/// the kept input columns, then `PredictionColumns`. Probabilities and values are f32 printed
/// in their shortest form that reads back to the same f32 (`0.97312427`, `1e-05`).
public final class CSVPredictionWriter: PredictionSink {
    private let output: OutputFile
    private let tasks: [Predictor.Task]
    /// Per task and class: the class name as CSV bytes (quoted if needed).
    private let classCells: [[[UInt8]]]
    private var buffer: [UInt8] = []

    /// - Parameters:
    ///   - path: the output file (written under a temporary name, renamed when finished); nil: standard output
    ///   - keep: the names of the columns carried through
    public init(path: String?, tasks: [Predictor.Task], keep: [String]) throws {
        output = try OutputFile(path: path)
        self.tasks = tasks
        classCells = tasks.map { $0.classes.map { Array(Self.cell($0).utf8) } }
        let header = (keep + PredictionColumns.names(tasks)).map(Self.cell).joined(separator: ",") + "\n"
        buffer.append(contentsOf: header.utf8)
    }

    public func write(_ block: PredictedBlock) throws {
        let n = block.rows
        let predicted = zip(tasks, block.outputs).map { task, out in
            task.kind == .classification ? Metrics.argmax(probabilities: out.storage, classCount: out.cols) : []
        }
        buffer.reserveCapacity(buffer.count + n * (16 + 12 * block.outputs.reduce(0) { $0 + $1.cols }))
        for r in 0..<n {
            var first = true
            for column in block.kept {
                if !first { buffer.append(0x2C) }
                first = false
                buffer.append(contentsOf: Self.cell(column[r]).utf8)
            }
            for (t, task) in tasks.enumerated() {
                let out = block.outputs[t]
                if !first { buffer.append(0x2C) }
                first = false
                if task.kind == .classification {
                    buffer.append(contentsOf: classCells[t][Int(predicted[t][r])])
                    for c in 0..<out.cols {
                        buffer.append(0x2C)
                        Self.append(out.storage[r * out.cols + c], to: &buffer)
                    }
                } else {
                    Self.append(out.storage[r], to: &buffer)
                }
            }
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { try flush() }
        }
        try flush()
    }

    public func finish() throws {
        try flush()
        try output.finish()
    }

    private func flush() throws {
        try output.put(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// The shortest text that reads back as the same f32 (`Float.description` without allocating).
    @inline(__always)
    static func append(_ value: Float, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: value.description.utf8)
    }

    /// A CSV cell: quoted (with doubled quotes) when it holds a comma, a quote or a line break,
    /// or starts or ends with a space (which readers would trim).
    static func cell(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

/// A file written under a temporary name in its folder and renamed into place by `finish`,
/// or standard output.
final class OutputFile {
    let path: String?
    private let temp: String?
    private let fd: Int32
    private var finished = false

    init(path: String?) throws {
        self.path = path
        guard let path else { temp = nil; fd = STDOUT_FILENO; return }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = (dir as NSString).appendingPathComponent("\(AtomicWrite.marker)\(getpid())-\(url.lastPathComponent)")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PredictError.badInput("\(path): cannot write (\(String(cString: strerror(errno))))")
        }
        self.temp = temp
        self.fd = fd
    }

    deinit {
        if let temp, !finished {
            close(fd)
            unlink(temp)
        }
    }

    func put(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PredictError.badInput("\(path ?? "standard output"): write failed (\(String(cString: strerror(errno))))")
                }
                done += n
            }
        }
    }

    func finish() throws {
        guard let temp, let path, !finished else { return }
        finished = true
        close(fd)
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw PredictError.badInput("\(path): cannot move the finished file into place (\(String(cString: strerror(errno))))")
        }
    }
}
