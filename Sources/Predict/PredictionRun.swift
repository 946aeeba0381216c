import Artifacts
import Foundation
import Tabular
import Tensor

/// Predicts on a CSV file block by block: read a block of rows, encode it with the model's
/// preprocessing, run the network(s), hand the outputs to a sink. Memory holds one block
/// (about `blockBytes` of text and its encoded rows) whatever the file's size.
public struct PredictionRun {
    /// Where the time went (seconds) and how many rows were predicted. `reading` is parsing: the
    /// text read and split into cells, the feature cells decoded to numbers and category codes
    /// and checked (what `pandas.read_csv` does); `encoding` writes the input rows from them.
    public struct Timings: Codable, Equatable, Sendable {
        public var rows = 0
        public var reading = 0.0
        public var encoding = 0.0
        public var predicting = 0.0
        public var writing = 0.0
        public var total: Double { reading + encoding + predicting + writing }
    }

    public let predictor: Predictor
    /// Columns of the input copied to the output, before the predictions.
    public var keep: [String] = []
    /// Impute missing cells even for a `drop-row` model (see `RowEncoder`).
    public var imputeMissing = false
    /// Text read per block: about 2,000 rows of the census file, whose encoded rows stay in cache.
    public var blockBytes = 1 << 20
    /// OpenBLAS threads for the network's matrix products (1: one core, like the training benchmark).
    public var threads = 1

    public init(predictor: Predictor, keep: [String] = [], imputeMissing: Bool = false) {
        self.predictor = predictor; self.keep = keep; self.imputeMissing = imputeMissing
    }

    /// The CSV options the model was trained with.
    public static func csvOptions(_ p: Preprocessing) -> CSVOptions {
        CSVOptions(delimiter: p.csv.delimiter.utf8.first ?? UInt8(ascii: ","), header: p.csv.header, columnNames: p.csv.columns,
                   missingValues: p.csv.missingValues, trimWhitespace: p.csv.trimWhitespace)
    }

    /// Predicts every row of `input` (CSV, plain or gzip) into the sink `makeSink` returns for
    /// the kept columns' names.
    ///
    /// Rows go through the network in batches of `Predictor.batchRows` counted from the file's
    /// first row — the evaluation's batches when the file is a split's rows in order, so that
    /// the outputs are the evaluation's to the bit.
    /// - Throws: `PredictError.badInput` (unreadable file, missing column, bad cell, no rows).
    @discardableResult
    public func run(input: String, makeSink: ([String]) throws -> PredictionSink) throws -> Timings {
        let clock = ContinuousClock()
        var timings = Timings()
        func timed<R>(_ slot: WritableKeyPath<Timings, Double>, _ body: () throws -> R) rethrows -> R {
            let start = clock.now
            defer { let d = clock.now - start; timings[keyPath: slot] += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
            return try body()
        }
        let reader = try csv { try timed(\.reading) { try CSVBlockReader(input, options: Self.csvOptions(predictor.preprocessing), blockBytes: blockBytes) } }
        let encoder = try RowEncoder(predictor.preprocessing, columnNames: reader.columnNames, source: input, imputeMissing: imputeMissing)
        let kept = try keep.map { name -> Int in
            guard let c = reader.columnNames.firstIndex(of: name) else {
                throw PredictError.badInput("\(input):1: no column '\(name)' to keep; the columns are "
                                            + reader.columnNames.prefix(8).joined(separator: ", ") + (reader.columnNames.count > 8 ? ", …" : ""))
            }
            guard !PredictionColumns.names(predictor.tasks).contains(name) else {
                throw PredictError.badInput("--keep \(name): the output already has a prediction column '\(name)'; keep another column (an id)")
            }
            return c
        }
        let sink = try makeSink(keep)
        BLAS.setThreads(threads)
        let batch = Predictor.batchRows
        var x = Matrix(rows: batch, cols: encoder.width)   // the batch being filled
        var filled = 0
        var keptCells = kept.map { _ in [String]() }
        func flush() throws {
            if filled < x.rows {   // the last, partial batch
                var storage = x.storage
                x = .empty
                storage.removeLast(storage.count - filled * encoder.width)
                x = Matrix(rows: filled, cols: encoder.width, storage: storage)
            }
            let outputs = try timed(\.predicting) { try predictor.predict(x) }
            try timed(\.writing) { try sink.write(PredictedBlock(outputs: outputs, kept: keptCells)) }
            for k in keptCells.indices { keptCells[k].removeAll(keepingCapacity: true) }
            filled = 0
        }
        while let table = try csv({ try timed(\.reading) { try reader.next() } }) {
            let decoded = try timed(\.reading) { try encoder.decode(table) }
            var r = 0
            while r < decoded.rows {
                let take = min(batch - filled, decoded.rows - r)
                timed(\.encoding) { encoder.encode(decoded, rows: r..<(r + take), into: &x, at: filled) }
                for (k, c) in kept.enumerated() { for row in r..<(r + take) { keptCells[k].append(table.string(row: row, column: c)) } }
                filled += take
                r += take
                if filled == batch { try flush() }
            }
        }
        timings.rows = reader.rowsRead
        guard timings.rows > 0 else { throw PredictError.badInput("\(input): no data rows to predict") }
        if filled > 0 { try flush() }
        try timed(\.writing) { try sink.finish() }
        return timings
    }

    /// CSV errors are bad input.
    private func csv<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as CSVError { throw PredictError.badInput(e.errorDescription ?? "\(e)") }
    }
}
