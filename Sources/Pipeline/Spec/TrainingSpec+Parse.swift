/// The settings teachers and students share: network shape and training.
struct SpecNetworkDraft {
    static let keys = ["hidden", "dropout", "epochs", "steps", "batch_size", "learning_rate", "optimizer", "momentum", "weight_decay",
                       "select_by", "patience", "lr_schedule", "warmup_epochs", "step_epochs", "step_gamma"]

    /// Hidden layer widths, each within `SpecLimits.layerWidth`, at least one.
    var hidden = [64]
    /// The `hidden:` node, when given (memory checks point at it).
    var hiddenNode: SpecNode?
    /// 0 <= dropout < 1.
    var dropout = 0.1
    /// Whether `epochs:` was given (it and `steps:` exclude each other).
    var epochsGiven = false
    var training = TrainingSpec(epochs: 30, batchSize: 32, learningRate: 0.001, optimizer: .adam,
                                momentum: 0.9, weightDecay: 0)

    /// Reads one of `keys`.
    mutating func read(_ key: String, _ value: SpecNode) throws {
        switch key {
        case "hidden":
            let items = try value.items(of: "integers")
            guard !items.isEmpty else { throw value.error("hidden must list at least one layer width") }
            guard items.count <= SpecLimits.hiddenLayers.upperBound else {
                throw value.error("hidden must list at most \(SpecLimits.hiddenLayers.upperBound) layer widths, got \(items.count)")
            }
            hidden = try items.map { try $0.int(in: SpecLimits.layerWidth) }
            hiddenNode = value
        case "dropout":
            dropout = try value.number()
            try value.require(dropout >= 0 && dropout < 1, ">= 0 and < 1")
        case "epochs":
            guard training.steps == nil else { throw value.error("give epochs or steps, not both") }
            training.epochs = try value.int(in: SpecLimits.epochs)
            epochsGiven = true
        case "steps":
            guard !epochsGiven else { throw value.error("give epochs or steps, not both") }
            training.steps = try value.int(in: SpecLimits.steps)
        case "batch_size":
            training.batchSize = try value.int(in: SpecLimits.batchSize)
        case "learning_rate":
            training.learningRate = try value.number()
            try value.require(training.learningRate > 0, "> 0")
        case "optimizer":
            training.optimizer = try value.choice(TrainingSpec.Optimizer.self)
        case "momentum":
            training.momentum = try value.number()
            try value.require(training.momentum >= 0 && training.momentum < 1, ">= 0 and < 1")
        case "weight_decay":
            training.weightDecay = try value.number()
            try value.require(training.weightDecay >= 0, ">= 0")
        case "select_by":
            training.selectBy = try value.choice(TrainingSpec.SelectBy.self)
        case "lr_schedule":
            training.lrSchedule = try value.choice(TrainingSpec.LRSchedule.self)
        case "warmup_epochs":
            training.warmupEpochs = try value.int(in: SpecLimits.warmupEpochs)
        case "step_epochs":
            training.stepEpochs = try value.int(in: SpecLimits.stepEpochs)
        case "step_gamma":
            training.stepGamma = try value.number()
            try value.require(training.stepGamma > 0 && training.stepGamma <= 1, "> 0 and <= 1")
        case "patience":
            training.patience = try value.int(in: SpecLimits.patience)
        default:
            break
        }
    }
}
