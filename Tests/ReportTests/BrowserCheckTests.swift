import Foundation
import Report
import Testing

/// Runs `scripts/check-report-html` on the fixture's page in headless Chromium; skipped when
/// no Chromium is installed (`apt-get update && apt-get install -y chromium`).
@Suite struct BrowserCheckTests {
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("scripts/check-report-html").path

    static var chromiumInstalled: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"].contains { name in
            path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
    }

    @Test(.enabled(if: chromiumInstalled, "no Chromium installed: apt-get update && apt-get install -y chromium"))
    func chartsRenderInHeadlessChromium() throws {
        let f = try ReportFixture()
        defer { f.remove() }
        let c = try f.load()
        try c.write()
        let shot = (f.root as NSString).appendingPathComponent("report.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.script, c.htmlPath, shot]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(output.hasPrefix("ok: 3 bar charts (24 bars, 12 error bars), 3 scatter charts (15 points), 14 curve panels (23 lines)"), "\(output)")
        #expect(output.contains("2 heatmaps rendered"))
        #expect(FileManager.default.fileExists(atPath: shot))
    }
}
