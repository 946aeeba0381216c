import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// File-system errors reach the user in plain words, naming the path, never as
/// `Error Domain=NSCocoaErrorDomain Code=513 "(null)" UserInfo={…}`.
@Suite struct FileErrorTests {
    @Test func foundationErrorsAreSaidInPlainWords() {
        let cases: [(Error, String)] = [
            (CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/a/b"]), "/a/b: permission denied"),
            (CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: "/a/b"]), "/a/b: file exists"),
            (CocoaError(.fileWriteOutOfSpace, userInfo: [NSURLErrorKey: URL(fileURLWithPath: "/a/c")]), "/a/c: no space left on device"),
            (CocoaError(.fileWriteVolumeReadOnly), "read-only file system"),
            (CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/x"]), "/x: no such file or directory"),
            (NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [
                NSFilePathErrorKey: "/f/sub", NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR))]),
             "/f/sub: not a directory"),
            (NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)), "no space left on device"),
        ]
        for (error, text) in cases {
            #expect(FileSystemError.describe(error) == text)
            #expect(FileSystemError.message(error) == text)
        }
    }

    @Test func otherErrorsKeepTheirOwnDescription() {
        let error = ArtifactError(path: "/a", "not an mtkd artifact")
        #expect(FileSystemError.describe(error) == nil)
        #expect(FileSystemError.message(error) == "/a: not an mtkd artifact")
    }

    @Test func anAtomicWriteIntoAFileInsteadOfAFolderSaysSo() throws {
        let folder = NSTemporaryDirectory() + "mtkd-file-errors-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data().write(to: URL(fileURLWithPath: folder + "/file"))
        #expect(throws: ArtifactError(path: folder + "/file/sub", "cannot create the folder: not a directory")) {
            try AtomicWrite.write(Data("x".utf8), to: folder + "/file/sub/out.json")
        }
    }

    @Test func theCommandLineSaysWhatHappenedToAFile() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPipeline.binary) else {
            Issue.record("build the mtkd binary first (swift build): \(TestPipeline.binary)")
            return
        }
        let p = try TestPipeline()
        defer { p.remove() }
        try Data().write(to: URL(fileURLWithPath: p.folder + "/file"))
        let r = try runCLI(["run", p.file, "--artifacts", p.folder + "/file"])
        #expect(r.code == 1)
        #expect(r.err == "error: \(p.folder)/file/tiny: not a directory\n")
    }
}
