import Foundation

/// A transfer set (issue 12): extra inputs on which the teachers are run, so that students
/// that ask for it (`transfer: true`) learn the teachers' targets on more than the training rows
/// (Buciluă et al. 2006; Beyer et al. 2022). Augmented copies of the training rows, made in the
/// encoded feature space: numeric features are scaled (noise is in units of the feature's
/// training std whatever its scaling) and categorical ones one-hot.
public struct TransferSpec: Equatable, Sendable {
    /// Augmented rows per training row.
    public var multiplier: Int = 1
    /// Standard deviation of the Gaussian noise added to every numeric feature, in units of its std.
    public var noise: Double = 0.1
    /// Probability that a categorical feature's value is redrawn from its training distribution.
    public var resample: Double = 0.1
    /// Probability that a feature takes the value of the row's nearest neighbour (MUNGE).
    public var munge: Double = 0
    /// Probability that a row is mixed with another row of its block: λ·x + (1−λ)·x', λ ~ U(0.5, 1).
    public var mixup: Double = 0
    /// A CSV (absolute path) of rows without labels, in the training data's columns: encoded with
    /// the training statistics and labelled by the teachers too (the common real case).
    public var unlabelled: String?
    public init() {}
}

extension SpecDraft {
    static let transferKeys = ["multiplier", "noise", "resample", "munge", "mixup", "unlabelled"]

    /// Reads `transfer:`; `unlabelled` is relative to `baseDirectory` and must exist.
    static func transfer(_ node: SpecNode, baseDirectory: String) throws -> TransferSpec {
        var spec = TransferSpec()
        try node.forEachEntry(keys: transferKeys, expected: "a mapping of transfer-set settings (multiplier, noise, …)") { key, value in
            func probability() throws -> Double {
                let p = try value.number()
                try value.require(p >= 0 && p <= 1, ">= 0 and <= 1")
                return p
            }
            switch key {
            case "multiplier": spec.multiplier = try value.int(in: SpecLimits.transferMultiplier)
            case "noise":
                spec.noise = try value.number()
                try value.require(spec.noise >= 0 && spec.noise <= 10, ">= 0 and <= 10")
            case "resample": spec.resample = try probability()
            case "munge": spec.munge = try probability()
            case "mixup": spec.mixup = try probability()
            case "unlabelled":
                let path = SpecPaths.absolute(try value.nonEmptyString("a CSV file of rows without labels"), base: baseDirectory)
                var folder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &folder), !folder.boolValue else {
                    throw value.error("no such file: \(path)")
                }
                spec.unlabelled = path
            default: break
            }
        }
        if spec.multiplier == 0 && spec.unlabelled == nil {
            throw node.error("a transfer set needs augmented rows (multiplier ≥ 1) or unlabelled rows (unlabelled: a CSV file)")
        }
        return spec
    }
}
