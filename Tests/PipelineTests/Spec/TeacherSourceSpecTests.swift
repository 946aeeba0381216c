import Foundation
@testable import Pipeline
import Testing

/// `teachers: {from: other.yaml, tasks: [...]}`: what is taken from the other file, and what is refused.
@Suite("pipeline file: teachers from another pipeline")
struct TeacherSourceSpecTests {
    static let data = """
        data:
          csv: data/penguins.csv
          features: {numeric: [bill_length_mm, bill_depth_mm]}
        tasks: [{name: species}, {name: sex}]
        """

    /// The other pipeline, `pipelines/owner.yaml`: teachers for both tasks unless told otherwise.
    static func writeOwner(_ fixture: SpecFixture, name: String = "owner", data: String = TeacherSourceSpecTests.data,
                           teachers: String = "teachers: {species: {members: 2}, sex: {members: 3, hidden: [8]}}") throws {
        try "name: \(name)\n\(data)\n\(teachers)\n".write(toFile: fixture.pipelines + "/owner.yaml", atomically: true, encoding: .utf8)
    }

    /// This pipeline (`pipelines/quickstart.yaml`): `teachers:` is on line 6.
    static func reusing(_ teachers: String, data: String = TeacherSourceSpecTests.data) -> String {
        "name: quickstart\n\(data)\nteachers: \(teachers)\n"
    }

    @Test func theListedTasksTakeTheOtherPipelinesTeachersFromItsArtifactsFolder() throws {
        try SpecFixture.with { fixture in
            try Self.writeOwner(fixture)
            let spec = try fixture.parse(Self.reusing("{from: owner.yaml, tasks: [sex]}"), artifactsRoot: fixture.root + "/out")
            let source = try #require(spec.teacherSource)
            #expect(source.pipeline.name == "owner")
            #expect(source.tasks == ["sex"])
            #expect(spec.teacherTasks == ["sex"])
            #expect(spec.teachers.map(\.members) == [3])
            #expect(spec.teachers[0].hidden == [8])
            // The --artifacts override applies to the other pipeline too.
            #expect(spec.teacherMemberFile(task: "sex", member: 2) == fixture.root + "/out/owner/teachers/sex/member-2.h5")
            #expect(spec.artifactsDirectory == fixture.root + "/out/quickstart")
            let teachers = try #require(StageDefinition.all(spec).first { $0.name == .teachers })
            #expect(teachers.params["teachers.from"] == "./owner.yaml")
            #expect(teachers.outputs == [fixture.root + "/out/quickstart/teachers/from.json"])
            #expect(teachers.inputs.dropFirst() == (0..<3).map { fixture.root + "/out/owner/teachers/sex/member-\($0).h5" }[...])
        }
    }

    @Test func withoutTasksEveryTeacherIsTaken() throws {
        try SpecFixture.with { fixture in
            try Self.writeOwner(fixture)
            let spec = try fixture.parse(Self.reusing("{from: owner.yaml}"))
            #expect(spec.teacherTasks == ["species", "sex"])
            #expect(spec.teacherMembers.count == 5)
        }
    }

    @Test func aTaskTheOtherPipelineTeachesNotIsRefused() throws {
        try SpecFixture.with { fixture in
            try Self.writeOwner(fixture, teachers: "teachers: {species: {members: 2}}")
            #expect(fixture.errorText(Self.reusing("\n  from: owner.yaml\n  tasks: [sex]"))
                    == "pipelines/quickstart.yaml:8: teachers.tasks[0]: owner.yaml has no teacher for task 'sex'; its teachers are for: species")
        }
    }

    @Test func otherFeaturesAreRefusedNamingTheDifference() throws {
        try SpecFixture.with { fixture in
            try Self.writeOwner(fixture)
            let data = Self.data.replacingOccurrences(of: "[bill_length_mm, bill_depth_mm]", with: "[bill_length_mm]")
            #expect(fixture.errorText(Self.reusing("{from: owner.yaml}", data: data))
                    == "pipelines/quickstart.yaml:6: teachers.from: owner.yaml prepares other data (data.features.numeric is "
                    + "[\"bill_length_mm\"] here, [\"bill_length_mm\", \"bill_depth_mm\"] there): its teachers learned from the "
                    + "dataset it prepares, so the seed and the data and tasks sections must be the same")
        }
    }

    @Test func sourcesThatCannotServeAreRefused() throws {
        try SpecFixture.with { fixture in
            let prefix = "pipelines/quickstart.yaml:6: teachers.from: "
            #expect(fixture.errorText(Self.reusing("{from: quickstart.yaml}")) == prefix + "a pipeline cannot take its teachers from itself")
            #expect(fixture.errorText(Self.reusing("{from: nope.yaml}")) == prefix + "no such file: \(fixture.pipelines)/nope.yaml")
            try Self.writeOwner(fixture, teachers: "")
            #expect(fixture.errorText(Self.reusing("{from: owner.yaml}")) == prefix + "owner.yaml (pipeline owner) has no teachers")
            try Self.writeOwner(fixture, teachers: "teachers: {from: third.yaml}")
            #expect(fixture.errorText(Self.reusing("{from: owner.yaml}"))
                    == prefix + "owner.yaml takes its teachers from third.yaml itself: take them from that pipeline directly")
            try Self.writeOwner(fixture, name: "quickstart")
            #expect(fixture.errorText(Self.reusing("{from: owner.yaml}"))
                    == prefix + "owner.yaml keeps its artifacts in artifacts/quickstart, as this pipeline does: give this pipeline a name of its own")
        }
    }

    @Test func teachersOfItsOwnCannotBeMixedIn() throws {
        try SpecFixture.with { fixture in
            try Self.writeOwner(fixture)
            #expect(fixture.errorText(Self.reusing("{from: owner.yaml, species: {members: 2}}"))
                    == "pipelines/quickstart.yaml:6: teachers.species: with `from:` every teacher comes from that pipeline, so `species` "
                    + "cannot be set here (teachers.from takes: from, tasks); to train teachers here, remove `from:`")
        }
    }

    @Test func theExamplePipelineTakesQuickstartsSpeciesTeachers() throws {
        let spec = try PipelineSpec.load(path: TestPipeline.repository + "/pipelines/quickstart-students.yaml")
        #expect(spec.teacherSource?.pipeline.name == "quickstart")
        #expect(spec.teacherTasks == ["species"])
        #expect(spec.teacherMembers.count == 3)
    }
}
