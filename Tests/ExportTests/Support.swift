import Foundation
import TestSupport
import Testing

/// The repository (committed data, the check script, the built binary).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
/// The CLI as built by `swift build` / `swift test`.
let binary = repository + "/.build/debug/mtkd"
/// The independent checks (onnx checker, onnxruntime, a numpy forward pass).
let checkScript = repository + "/Tests/ExportTests/check_export.py"

/// Runs a program; returns exit code, stdout and stderr.
func run(_ executable: String, _ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
    let r = try runProcess(executable, arguments)
    return (r.code, r.out, r.err)
}

/// Runs the mtkd binary, recording an issue unless it exits 0.
@discardableResult
func mtkd(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let r = try run(binary, arguments)
    #expect(r.code == 0, "mtkd \(arguments.joined(separator: " ")): \(r.err)", sourceLocation: sourceLocation)
    return r.out
}

/// The Python the checks run with (`PYTHON`, as scripts/test uses, else python3).
let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"

/// Whether python3 can import what the checks need. `scripts/test` installs it (quietly, from
/// PyPI) and sets MTKD_REQUIRE_PYTHON_CHECKS=1, so CI fails rather than skips without it.
let pythonChecks: (available: Bool, required: Bool) = {
    let probe = try? run("/usr/bin/env", [python, "-c", "import onnx, onnxruntime, safetensors, numpy"])
    return (probe?.code == 0, ProcessInfo.processInfo.environment["MTKD_REQUIRE_PYTHON_CHECKS"] == "1")
}()

/// A CSV file's lines (no quoted line breaks in the files used here), blank lines dropped.
func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        .map(String.init).filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
}

/// Splits one CSV line (no quoting in the files used here).
func cells(_ line: String) -> [String] { line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
