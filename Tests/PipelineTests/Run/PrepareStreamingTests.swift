import Artifacts
import Foundation
import Testing
@testable import Pipeline

/// `prepare` streams its CSV files; the dataset it writes is the one the whole-file prepare wrote.
@Suite(.serialized) struct PrepareStreamingTests {
    /// SHA-256 of the dataset `prepare` writes for `c`.
    static func datasetHash(_ c: PrepareGolden.Case) throws -> String {
        let artifacts = NSTemporaryDirectory() + "mtkd-golden-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        return try PrepareGolden.locked {
            let spec = try PrepareGolden.spec(c, artifacts: artifacts)
            let path = artifacts + "/data/dataset.h5"
            try PrepareStage(spec: spec).run(writingTo: path)
            return try #require(try FileHasher().hash(path)).sha256
        }
    }

    @Test(arguments: PrepareGolden.all.map(\.name))
    func datasetBytesAreThoseOfTheWholeFilePrepare(name: String) throws {
        let c = try #require(PrepareGolden.all.first { $0.name == name })
        let hash = try Self.datasetHash(c)
        #expect(hash == c.sha256, "\(name)")
    }
}
