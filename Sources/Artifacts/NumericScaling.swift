import Foundation
import HDF5

/// How a numeric feature column becomes one input of the network, with statistics fitted on
/// the training split: the pipeline's `scaling:` per group of numeric columns.
///
/// Every method is an affine map `(x − shift) / divisor` (`NumericTransform`), computed in
/// double and rounded to f32, the same in `prepare`, `mtkd predict` and (in f32) the ONNX graph.
/// A missing cell under `impute-mean` becomes the column's `impute` value: the training mean
/// through the same map (0 for `standard`).
public enum NumericScaling: String, Codable, Equatable, Sendable, CaseIterable {
    /// `(x − mean) / std`: z-scores (the default).
    case standard
    /// `(x − min) / (max − min)`: the training range onto [0, 1].
    case minmax
    /// `x` as it is.
    case none

    /// What the HDF5 `scaling` arrays hold for a categorical feature (one-hot, not scaled).
    public static let oneHot = "one-hot"

    /// The formula as `mtkd inspect` and the README write it.
    public var formula: String {
        switch self {
        case .standard: return "(x − mean) / std"
        case .minmax: return "(x − min) / (max − min)"
        case .none: return "x"
        }
    }
}

/// `(x − shift) / divisor`: one numeric column's scaling with its training statistics.
///
/// A constant training column does not divide by zero: `prepare` stores std 1 when the
/// standard deviation is 0 (below 1e-12), and `minmax` divides by 1 when max = min, so the
/// training values of such a column all become 0 either way.
public struct NumericTransform: Equatable, Sendable {
    public var shift: Double
    public var divisor: Double

    public init(shift: Double, divisor: Double) { self.shift = shift; self.divisor = divisor }

    /// The map of `scaling` for a column with these training statistics.
    public init(_ scaling: NumericScaling, mean: Double, std: Double, min: Double, max: Double) {
        switch scaling {
        case .standard: self.init(shift: mean, divisor: std)
        case .minmax: self.init(shift: min, divisor: max > min ? max - min : 1)
        case .none: self.init(shift: 0, divisor: 1)
        }
    }

    /// The input for the raw value `x`, computed in double, rounded to f32.
    @inline(__always) public func callAsFunction(_ x: Double) -> Float { Float((x - shift) / divisor) }

    /// `x` in the transformed units, in double (the imputation value is the mean's).
    @inline(__always) public func exact(_ x: Double) -> Double { (x - shift) / divisor }
}

/// One feature's scaling as the files store it (see `ScalingArrays`).
public struct FeatureScaling: Codable, Equatable, Sendable {
    public var method: NumericScaling
    /// `minmax`: the training minimum and maximum (otherwise 0).
    public var min: Double
    public var max: Double
    /// Numeric: what a missing cell becomes under impute-mean (the training mean in the
    /// transformed units; 0 for `standard`). Categorical: 0.
    public var impute: Double

    public init(method: NumericScaling = .standard, min: Double = 0, max: Double = 0, impute: Double = 0) {
        self.method = method; self.min = min; self.max = max; self.impute = impute
    }

    /// `standard` with imputation 0: what a file without scaling arrays holds.
    public static let standard = FeatureScaling()
}

/// The per-feature scaling arrays of `/features` in `dataset.h5` and of `/preprocessing/features`
/// in model files. They are written only when some numeric feature is not `standard`, so a
/// pipeline that does not use `scaling:` writes the bytes it wrote before; files without them
/// (such as those of older mtkd) read as `standard` everywhere, imputing 0.
/// ```
/// scaling   (F) string   standard | minmax | none; one-hot for a categorical feature
/// min, max  (F) f64      minmax: the training minimum and maximum (otherwise 0)
/// impute    (F) f64      numeric: what a missing cell becomes under impute-mean, the training
///                        mean in the transformed units (categorical: 0)
/// ```
enum ScalingArrays {
    /// Writes the arrays into `group` unless every numeric feature is `FeatureScaling.standard`.
    /// - Parameter features: per feature, whether it is numeric and its scaling.
    static func write(_ features: [(numeric: Bool, scaling: FeatureScaling)], into group: H5Group) throws {
        guard features.contains(where: { $0.numeric && $0.scaling != .standard }) else { return }
        let n = features.count
        try group.write(features.map { $0.numeric ? $0.scaling.method.rawValue : NumericScaling.oneHot }, to: "scaling")
        try group.write(features.map(\.scaling.min), shape: [n], to: "min")
        try group.write(features.map(\.scaling.max), shape: [n], to: "max")
        try group.write(features.map(\.scaling.impute), shape: [n], to: "impute")
    }

    /// Reads the arrays of `group` (`standard` for every feature when absent), checked: the
    /// lengths, the method names, finite values, min ≤ max for `minmax`.
    /// - Parameters:
    ///   - numeric: per feature, whether it is numeric.
    ///   - fail: the error for a message about `group` (`/features/scaling[3] is …`).
    static func read(from group: H5Group, numeric: [Bool], names: [String], fail: (String) -> ArtifactError) throws -> [FeatureScaling] {
        let n = numeric.count
        guard group.contains("scaling") else { return [FeatureScaling](repeating: .standard, count: n) }
        let methods = try group.dataset("scaling").readStrings()
        let mins = try group.dataset("min").read(Double.self)
        let maxs = try group.dataset("max").read(Double.self)
        let imputes = try group.dataset("impute").read(Double.self)
        guard methods.count == n, mins.count == n, maxs.count == n, imputes.count == n else {
            throw fail("/scaling, min, max and impute have \(methods.count), \(mins.count), \(maxs.count) and \(imputes.count) entries, "
                       + "the features \(n)")
        }
        var out: [FeatureScaling] = []
        for i in 0..<n {
            guard numeric[i] else {
                guard methods[i] == NumericScaling.oneHot else {
                    throw fail("/scaling[\(i)] is '\(methods[i])' for the categorical feature '\(names[i])', expected \(NumericScaling.oneHot)")
                }
                out.append(.standard)
                continue
            }
            guard let method = NumericScaling(rawValue: methods[i]) else {
                throw fail("/scaling[\(i)] is '\(methods[i])', expected "
                           + NumericScaling.allCases.map(\.rawValue).joined(separator: ", "))
            }
            guard mins[i].isFinite, maxs[i].isFinite, imputes[i].isFinite, method != .minmax || mins[i] <= maxs[i] else {
                throw fail(" min, max and impute of '\(names[i])' are \(mins[i]), \(maxs[i]) and \(imputes[i]): "
                           + "need finite values\(method == .minmax ? " and min ≤ max" : "")")
            }
            out.append(FeatureScaling(method: method, min: mins[i], max: maxs[i], impute: imputes[i]))
        }
        return out
    }
}
