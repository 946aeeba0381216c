/// What a network predicts for one task.
public struct TaskHead: Equatable, Sendable, Codable {
    public enum Kind: String, Equatable, Sendable, Codable { case classification, regression }
    public var name: String
    public var kind: Kind
    /// Number of classes (classification) or 1 (regression).
    public var outputs: Int

    public init(name: String, kind: Kind, outputs: Int) {
        precondition(outputs >= 1)
        precondition(kind == .classification ? outputs >= 2 : outputs == 1, "classification needs ≥ 2 classes, regression 1 output")
        self.name = name; self.kind = kind; self.outputs = outputs
    }
}
