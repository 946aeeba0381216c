extension SpecDraft {
    static let softTargetKeys = ["combine", "temperature"]

    /// Reads `soft_targets:`; null gives the defaults (mean-probs, T = 1).
    static func softTargets(_ node: SpecNode) throws -> SoftTargetSpec {
        var spec = SoftTargetSpec()
        guard !node.isNull else { return spec }
        try node.forEachEntry(keys: softTargetKeys, expected: "a mapping of soft-target settings") { key, value in
            switch key {
            case "combine":
                spec.combine = try value.choice(SoftTargetSpec.Combine.self)
            case "temperature":
                spec.temperature = try value.number()
                try value.require(spec.temperature > 0, "> 0")
            default:
                break
            }
        }
        return spec
    }
}
