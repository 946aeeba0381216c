import Artifacts
import Foundation
import Inspect
import Testing

@Suite struct InspectionJSONTests {
    @Test func aFolderInspectionSurvivesAJSONRoundTrip() throws {
        try TemporaryFolder.with { folder in
            try Fixtures.folder(in: folder)
            try Fixtures.writeCheckpoint(to: folder.path("checkpoints/students/kd.h5"))
            for path in [folder.root, folder.path("data/dataset.h5"), folder.path("soft-targets.h5"),
                         folder.path("students/kd.h5"), folder.path("checkpoints/students/kd.h5")] {
                let inspection = try Inspector.inspect(path: path)
                let json = try inspection.json()
                let decoded = try Inspection.decode(json: json)
                #expect(decoded == inspection, "\(path)")
                #expect(try decoded.json() == json, "\(path)")
            }
        }
    }

    @Test func jsonKeysAreSortedSoTheOutputIsStable() throws {
        try TemporaryFolder.with { folder in
            let path = folder.path("students/kd.h5")
            try Fixtures.model().write(to: path)
            let json = String(decoding: try Inspector.inspect(path: path).json(), as: UTF8.self)
            let topLevel = json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
            #expect(topLevel == ["kind", "model", "notes", "path", "tree"])
            #expect(try Inspector.inspect(path: path).json() == (try Inspector.inspect(path: path).json()))
        }
    }

    @Test func nonFiniteNumbersAreWrittenAsStrings() throws {
        var model = try Fixtures.model()
        model.history[0].validationScore = .nan
        model.history[0].validationMetrics = [.nan]
        let inspection = try TemporaryFolder.with { folder in
            let path = folder.path("students/kd.h5")
            try model.write(to: path)
            return try Inspector.inspect(path: path)
        }
        let json = String(decoding: try inspection.json(), as: UTF8.self)
        #expect(json.contains("\"validationScore\" : \"nan\""))
        let decoded = try Inspection.decode(json: try inspection.json())
        #expect(decoded.model?.history[0].validationScore.isNaN == true)
    }

    @Test func attributeValuesNameTheirType() throws {
        let encoded = try Inspection.jsonEncoder.encode([AttributeValue.int(1), .double(1), .strings(["a"])])
        #expect(String(decoding: encoded, as: UTF8.self).replacingOccurrences(of: "\\s", with: "", options: .regularExpression)
                == "[{\"int\":1},{\"double\":1},{\"strings\":[\"a\"]}]")
        #expect(try Inspection.jsonDecoder.decode([AttributeValue].self, from: encoded) == [.int(1), .double(1), .strings(["a"])])
    }
}
