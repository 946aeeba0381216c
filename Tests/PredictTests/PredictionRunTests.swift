import Artifacts
import Foundation
import Tabular
import Tensor
import Testing
@testable import Predict

/// The streaming loop: whatever the block size, the outputs are those of the network on the
/// whole file in the evaluation's batches (1,024 rows from the first), to the bit.
@Suite struct PredictionRunTests {
    final class Collector: PredictionSink {
        var outputs: [[Float]] = []
        var kept: [[String]] = []
        var finished = false
        func write(_ block: PredictedBlock) throws {
            if outputs.isEmpty { outputs = block.outputs.map { _ in [] }; kept = block.kept.map { _ in [] } }
            for (t, o) in block.outputs.enumerated() { outputs[t] += o.storage }
            for (k, c) in block.kept.enumerated() { kept[k] += c }
        }
        func finish() throws { finished = true }
    }

    @Test func outputsAreTheNetworksInEvaluationBatchesWhateverTheBlockSize() throws {
        try TemporaryFolder.with { folder in
            let model = syntheticModel(.imputeMean)
            var text = "id,x,color,size\n"
            let colors = ["blue", "green", "red", "", "blue"], sizes = ["L", "S", "M", "NA"]
            for i in 0..<2_600 { text += "r\(i),\(Double(i % 97) * 0.37 - 5),\(colors[i % 5]),\(sizes[i % 4])\n" }
            let path = try folder.write(text, to: "in.csv")
            // Expected: the whole file encoded, then MultiTaskNetwork.predict (batches of 1,024).
            let table = try CSVTable.read(path, options: PredictionRun.csvOptions(model.preprocessing!))
            var x = Matrix.empty
            try RowEncoder(model.preprocessing!, columnNames: table.columnNames, source: path).encode(table, into: &x)
            let predictor = try Predictor(model: model, path: "m.h5")
            let expected = zip(try model.makeNetwork().predict(x), predictor.tasks).map { Predictor.finish($0, $1).storage }
            for blockBytes in [1 << 10, 7_777, 1 << 20] {
                var run = PredictionRun(predictor: predictor, keep: ["id"])
                run.blockBytes = blockBytes
                let sink = Collector()
                let timings = try run.run(input: path) { names in
                    #expect(names == ["id"])
                    return sink
                }
                #expect(timings.rows == 2_600)
                #expect(sink.finished)
                #expect(sink.outputs == expected, "block \(blockBytes) bytes")
                #expect(sink.kept == [(0..<2_600).map { "r\($0)" }])
            }
        }
    }
}
