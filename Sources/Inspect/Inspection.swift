import Foundation

/// What `mtkd inspect` found at a path: the HDF5 tree of a file, and what it means.
///
/// Exactly one of `dataset`, `softTargets`, `model`, `boosted` or `folder` is set for an mtkd
/// artifact (`model` for networks and checkpoints, with `checkpoint` beside it; `boosted` for a
/// gradient-boosted teacher member, whose kind is `model` too); a foreign HDF5 file has only
/// the tree and a note. `Codable` for `--json`: see `json()` for the stable encoding.
public struct Inspection: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case dataset
        case softTargets = "soft-targets"
        case model, checkpoint, folder
        /// An HDF5 file that is not an mtkd artifact.
        case hdf5
    }

    /// The path as given.
    public var path: String
    public var kind: Kind
    /// Files only: every group and dataset.
    public var tree: HDF5Tree?
    public var dataset: DatasetMeaning?
    public var softTargets: SoftTargetsMeaning?
    public var model: ModelMeaning?
    /// A gradient-boosted teacher member (kind gbdt).
    public var boosted: BoostedMeaning?
    public var checkpoint: CheckpointMeaning?
    public var folder: FolderMeaning?
    /// Remarks that are not errors (e.g. "not an mtkd artifact").
    public var notes: [String]

    public init(path: String, kind: Kind, tree: HDF5Tree? = nil, dataset: DatasetMeaning? = nil,
                softTargets: SoftTargetsMeaning? = nil, model: ModelMeaning? = nil, boosted: BoostedMeaning? = nil,
                checkpoint: CheckpointMeaning? = nil, folder: FolderMeaning? = nil, notes: [String] = []) {
        self.path = path; self.kind = kind; self.tree = tree; self.dataset = dataset; self.softTargets = softTargets
        self.model = model; self.boosted = boosted; self.checkpoint = checkpoint; self.folder = folder; self.notes = notes
    }

    /// The human view: what the artifact means first, then the HDF5 tree.
    /// - Parameter colour: ANSI colours and bold (for a terminal).
    public func text(colour: Bool = false) -> String {
        let style = TextStyle(colour: colour)
        var sections: [[String]] = []
        var title = style.bold(path) + "  " + style.cyan(kindTitle)
        if kind == .hdf5 { title += style.dim("  (not an mtkd artifact)") }
        sections.append([title])
        if let d = dataset { sections += d.sections(style: style) }
        if let s = softTargets { sections += s.sections(style: style) }
        if let m = model { sections += m.sections(style: style, checkpoint: checkpoint) }
        if let b = boosted { sections += b.sections(style: style) }
        if let f = folder { sections += f.sections(style: style) }
        if !notes.isEmpty { sections.append(notes.map { style.yellow("note: ") + $0 }) }
        if let t = tree { sections.append(t.lines(style: style)) }
        return sections.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    private var kindTitle: String {
        switch kind {
        case .dataset: return "mtkd dataset"
        case .softTargets: return "mtkd soft targets"
        case .model: return boosted != nil ? "mtkd model (gradient-boosted trees)" : "mtkd model"
        case .checkpoint: return "mtkd training checkpoint"
        case .folder: return "mtkd artifacts folder"
        case .hdf5: return "HDF5 file"
        }
    }

    /// The encoder `--json` uses: sorted keys and pretty printing (stable bytes for the same
    /// inspection), NaN and infinities as the strings "nan", "inf", "-inf".
    public static var jsonEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The decoder matching `jsonEncoder`.
    public static var jsonDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The inspection as JSON (see `jsonEncoder`).
    public func json() throws -> Data { try Inspection.jsonEncoder.encode(self) }

    /// An inspection read back from `json()`.
    public static func decode(json: Data) throws -> Inspection { try jsonDecoder.decode(Inspection.self, from: json) }
}
