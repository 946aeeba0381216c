import Artifacts
import Foundation

extension Preprocessing {
    /// The preprocessing of a network trained on `dataset` for the tasks `taskIndices` (in head
    /// order): the pipeline's CSV options and missing-feature policy, and the dataset's fitted
    /// statistics, vocabularies and task meanings.
    ///
    /// The dataset lists encoded inputs (`column` or `column=category`); consecutive inputs of
    /// one categorical column form its one-hot block, in order. `<other>` is the catch-all only
    /// when the pipeline capped categories (`max_categories`), where `FeatureEncoder` appends it last.
    init(spec: PipelineSpec, dataset: PreparedDataset, taskIndices: [Int]) {
        let data = spec.data
        var features: [Feature] = []
        for info in dataset.features {
            switch info.kind {
            case .numeric:
                features.append(.numeric(info.column, mean: info.mean, std: info.std, scaling: info.scaling))
            case .categorical:
                let category = String(info.name.dropFirst(info.column.count + 1))   // "column=category"
                if let last = features.last, last.kind == .categorical, last.column == info.column {
                    features[features.count - 1].categories.append(category)
                } else {
                    features.append(.categorical(info.column, categories: [category]))
                }
            }
        }
        if data.maxCategories != nil {
            for i in features.indices where features[i].kind == .categorical && features[i].categories.last == Self.otherCategory {
                features[i].otherIndex = features[i].categories.count - 1
            }
        }
        let tasks = taskIndices.map { t -> Task in
            let info = dataset.tasks[t]
            return Task(name: info.name, column: info.column, kind: info.kind, classes: info.classes,
                        positive: spec.tasks.first { $0.name == info.name }?.positiveValues ?? [],
                        labelMean: info.labelMean, labelStd: info.labelStd)
        }
        self.init(csv: CSVReading(delimiter: String(data.delimiter), header: data.header, columns: data.columnNames,
                                  missingValues: data.missingValues, trimWhitespace: true),
                  missingFeatures: data.missingFeatures == .dropRow ? .dropRow : .imputeMean,
                  features: features, tasks: tasks)
    }
}
