import Foundation
import Testing
@testable import Pipeline

/// `executor:` in the pipeline file: where training units run.
@Suite struct ExecutorSpecTests {
    static let base = """
        name: quickstart
        data:
          csv: data/penguins.csv
          features: {numeric: [bill_length_mm]}
        tasks: [{name: species}]

        """

    @Test func withoutAnExecutorBlockUnitsRunLocallyOneCPUEach() throws {
        let spec = try SpecFixture.with { try $0.parse(Self.base) }
        #expect(spec.executor == ExecutorSpec(kind: .local))
        #expect(spec.executor.cpusPerUnit == 1)
    }

    @Test func theSlurmBlockIsReadWholeAndKeepsSbatchArgumentsInOrder() throws {
        let spec = try SpecFixture.with { try $0.parse(Self.base + """
            executor: {kind: slurm, partition: short, time_limit: "1:30:00", cpus_per_unit: 2, sbatch_args: [--qos=high, --account=lab]}
            """) }
        var expected = ExecutorSpec(kind: .slurm)
        expected.partition = "short"; expected.timeLimit = "1:30:00"; expected.cpusPerUnit = 2
        expected.sbatchArgs = ["--qos=high", "--account=lab"]
        #expect(spec.executor == expected)
    }

    @Test func aTimeLimitSlurmCannotReadNamesFileLineAndKey() throws {
        let text = try SpecFixture.with { $0.errorText(Self.base + "executor: {kind: slurm, time_limit: 90min}\n") }
        #expect(text == "pipelines/quickstart.yaml:6: executor.time_limit: '90min' is not a Slurm time limit: minutes (30), H:M:S (1:30:00) or D-H:M:S (2-00:00:00)")
    }

    @Test func anUnknownExecutorKindListsTheKinds() throws {
        let text = try SpecFixture.with { $0.errorText(Self.base + "executor: {kind: pbs}\n") }
        #expect(text?.hasPrefix("pipelines/quickstart.yaml:6: executor.kind: ") == true)
        #expect(text?.contains("local") == true && text?.contains("slurm") == true)
    }

    @Test func zeroCPUsPerUnitIsOutOfBounds() throws {
        let text = try SpecFixture.with { $0.errorText(Self.base + "executor: {kind: slurm, cpus_per_unit: 0}\n") }
        #expect(text == "pipelines/quickstart.yaml:6: executor.cpus_per_unit: cpus_per_unit must be >= 1, got 0")
    }

    @Test func studentRanksAreReadFromTheExecutorBlock() throws {
        let spec = try SpecFixture.with { try $0.parse(Self.base + "executor: {kind: slurm, student_ranks: 4}\n") }
        #expect(spec.executor.studentRanks == 4)
        #expect(try SpecFixture.with { try $0.parse(Self.base) }.executor.studentRanks == 1)
    }

    @Test func zeroStudentRanksIsOutOfBounds() throws {
        let text = try SpecFixture.with { $0.errorText(Self.base + "executor: {kind: slurm, student_ranks: 0}\n") }
        #expect(text == "pipelines/quickstart.yaml:6: executor.student_ranks: student_ranks must be >= 1, got 0")
    }

    @Test(arguments: ["30", "0:30", "1:30:00", "2-00", "2-12:00", "2-12:00:00", "UNLIMITED", "infinite"])
    func slurmTimeLimitNotationsAreAccepted(_ text: String) {
        #expect(ExecutorSpec.isTimeLimit(text))
    }

    @Test(arguments: ["", "90min", "1:2:3:4", "-5", "1-2-3", "1.5", "2-", ":30"])
    func otherTimeLimitsAreRefused(_ text: String) {
        #expect(!ExecutorSpec.isTimeLimit(text))
    }
}
