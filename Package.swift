// swift-tools-version: 6.0
import PackageDescription

/// Numerical targets are compiled with optimisation even in debug builds: the tests train
/// real (small) networks, and -Onone Swift is ~50x slower on tight loops.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "mtkd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mtkd", targets: ["mtkd"]),
        .library(name: "MTKD", targets: ["HDF5", "Tensor", "NN", "Metrics", "Tabular", "MultiTask", "GBDT", "Artifacts", "Inspect", "Report", "Pipeline", "Predict", "Export"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // XGBoost's C API (Debian's xgboost.pc names a wrong libdir: linked by name in the module map).
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        // Open MPI's C API, for data-parallel students under `mpirun` (handles through accessors).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // Storage: the Swift face of libhdf5 (deflate chunks through libdeflate). Knows nothing about training.
        .target(name: "HDF5", dependencies: ["CHDF5", "CDeflate"], swiftSettings: optimised),
        // The hot loops in C (sparse products, dropout, Adam, row gathers), built for baseline
        // x86-64 and for AVX+FMA, chosen at run time. Optimised in every build configuration.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-Wno-psabi"])]),
        // Numerics: matrices over OpenBLAS, seeded randomness. Never touches files.
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"], swiftSettings: optimised),
        // Layers, losses, optimizers: forward/backward side by side.
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: optimised),
        // Reading CSV tables (plain or .gz) column by column.
        .target(name: "Tabular", dependencies: ["CZlib"], swiftSettings: optimised),
        // Evaluation metrics: accuracy, macro-F1, ROC AUC, RMSE, R²; the statistics that compare
        // models (t-intervals, paired tests, gap recovered, paired bootstrap seeded by Tensor's RNG).
        .target(name: "Metrics", dependencies: ["Tensor"], swiftSettings: optimised),
        // Gradient-boosted trees through XGBoost's C API: data matrices, boosters, boosting with
        // early stopping. Never touches files (boosters are saved to and read from bytes).
        .target(name: "GBDT", dependencies: ["CXGBoost", "Tensor"], swiftSettings: optimised),
        // The ranks `mpirun` started and the collectives mtkd uses. Knows nothing about training.
        .target(name: "MPI", dependencies: ["CMPI"]),
        // Multi-task networks and their trainer.
        .target(name: "MultiTask", dependencies: ["NN", "Tensor", "Metrics"], swiftSettings: optimised),
        // The schemas of every artifact file, written in one place.
        .target(name: "Artifacts", dependencies: ["HDF5", "Tensor", "NN", "Metrics", "MultiTask", "GBDT", .product(name: "Crypto", package: "swift-crypto")]),
        // What an artifact holds and means (`mtkd inspect`); reads files only.
        .target(name: "Inspect", dependencies: ["Artifacts", "GBDT", "HDF5", "Metrics", "MultiTask", "NN", "Tensor",
                                                .product(name: "Crypto", package: "swift-crypto")]),
        // Comparison tables (Markdown, later HTML) from artifact files only.
        .target(name: "Report", dependencies: ["Artifacts", "Metrics"]),
        // Pipeline spec, stages and runner.
        .target(name: "Pipeline", dependencies: ["Artifacts", "Report", "Predict", "Tabular", "HDF5", "Tensor", "NN", "Metrics", "MultiTask", "GBDT",
                                                 .product(name: "Yams", package: "Yams"),
                                                 .product(name: "Crypto", package: "swift-crypto")]),
        // Predicting with a model file from raw CSV rows, block by block (`mtkd predict`).
        .target(name: "Predict", dependencies: ["Artifacts", "Tabular", "MultiTask", "NN", "Tensor", "Metrics", "HDF5"],
                swiftSettings: optimised),
        // Model files for use outside mtkd: ONNX (protobuf written directly) and safetensors.
        .target(name: "Export", dependencies: ["Artifacts", "GBDT", "MultiTask", "Tensor"]),
        // The command line: thin.
        .executableTarget(name: "mtkd", dependencies: ["Pipeline", "Artifacts", "Inspect", "Report", "Predict", "Export", "MPI", "MultiTask",
                                                       .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // The benchmark command (not a test): mtkd against PyTorch CPU and h5py, side by side.
        .executableTarget(name: "mtkd-bench", dependencies: ["Artifacts", "Metrics", "MultiTask", "NN", "Tensor",
                                                             .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimised),

        // What several test targets share: running the mtkd binary and other programs.
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor"], exclude: ["Reference"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"],
                    exclude: ["reference_metrics.py", "reference_statistics.py", "student_t_reference.csv"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular"]),
        .testTarget(name: "GBDTTests", dependencies: ["GBDT", "Tensor"], exclude: ["Reference"]),
        .testTarget(name: "MultiTaskTests", dependencies: ["MultiTask", "NN", "Tensor"]),
        .testTarget(name: "InspectTests", dependencies: ["Inspect", "Artifacts", "HDF5", "MultiTask", "Tensor", "GBDT"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Artifacts", "Metrics", "MultiTask", "NN", "Tensor", "GBDT"]),
        .testTarget(name: "ExportTests", dependencies: ["TestSupport", "Export", "Predict", "Pipeline", "Artifacts", "Metrics", "HDF5"],
                    exclude: ["check_export.py"]),
        .testTarget(name: "PredictTests", dependencies: ["TestSupport", "Predict", "Pipeline", "Artifacts", "Tabular", "MultiTask", "Metrics", "Tensor", "HDF5", "GBDT"]),
        .testTarget(name: "PipelineTests", dependencies: ["TestSupport", "Pipeline", "Artifacts", "HDF5", "GBDT", "MultiTask"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
