import Foundation

/// How the learning rate moves over training: a multiplier of the base rate per epoch.
/// A pure function of (epoch, epochs), so a resumed run sets the same rate as an uninterrupted one.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Linear warm-up over `warmupEpochs` (rate e / W in epoch e ≤ W), then a half cosine from 1
    /// towards 0 over the remaining epochs (Loshchilov & Hutter 2017, without restarts).
    case cosine(warmupEpochs: Int)
    /// The rate times `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)

    /// The multiplier for `epoch` (1-based) of `epochs`.
    public func factor(epoch: Int, epochs: Int) -> Double {
        switch self {
        case .constant:
            return 1
        case .cosine(let w):
            if epoch <= w { return Double(epoch) / Double(w) }
            let progress = Double(epoch - w - 1) / Double(max(epochs - w, 1))  // 0 at the first epoch after warm-up, < 1 at the last
            return 0.5 * (1 + cos(Double.pi * progress))
        case .step(let every, let gamma):
            return pow(gamma, Double((epoch - 1) / every))
        }
    }
}

/// How the weight α of the teachers' targets moves over training.
public enum AlphaSchedule: Equatable, Sendable {
    /// α as set.
    case constant
    /// Teacher annealing (Clark et al. 2019, BAM!): α from 1 (teachers only) in the first epoch
    /// to 0 (labels only) in the last, linearly.
    case linear

    /// α for `epoch` (1-based) of `epochs`.
    public func alpha(base: Float, epoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant: return base
        case .linear: return epochs <= 1 ? 1 : 1 - Float(epoch - 1) / Float(epochs - 1)
        }
    }
}
