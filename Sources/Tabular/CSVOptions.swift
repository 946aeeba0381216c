/// How to read a delimited text table.
///
/// The defaults fit ordinary comma-separated files with a header line. For the raw UCI
/// census files use `header: false` (values there carry a leading space, which
/// `trimWhitespace` removes, and `?` marks an unknown value).
public struct CSVOptions: Sendable {
    /// The field separator; any byte except `"`, LF and CR.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Whether the first non-blank line names the columns.
    public var header: Bool = true
    /// Column names used when `header == false`; empty means `c0`, `c1`, …
    public var columnNames: [String] = []
    /// Cell texts that mean "missing", compared after trimming (quotes removed).
    public var missingValues: [String] = ["", "NA", "?"]
    /// Strip spaces (and tabs, unless tab is the delimiter) around each field.
    /// Text inside quotes is kept as written.
    public var trimWhitespace: Bool = true

    public init(
        delimiter: UInt8 = UInt8(ascii: ","),
        header: Bool = true,
        columnNames: [String] = [],
        missingValues: [String] = ["", "NA", "?"],
        trimWhitespace: Bool = true
    ) {
        precondition(
            delimiter != UInt8(ascii: "\"") && delimiter != UInt8(ascii: "\n") && delimiter != UInt8(ascii: "\r"),
            "a CSV delimiter cannot be a quote or a line break")
        self.delimiter = delimiter
        self.header = header
        self.columnNames = columnNames
        self.missingValues = missingValues
        self.trimWhitespace = trimWhitespace
    }
}
