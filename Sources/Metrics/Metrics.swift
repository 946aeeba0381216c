/// Evaluation metrics, numerically matching scikit-learn's.
///
/// Conventions across mtkd: class labels are `Int32` with -1 for a missing label;
/// regression targets are floating point with NaN for a missing target. Rows with a
/// missing label or target are skipped. Arrays that belong together must have equal
/// lengths (a programmer error otherwise). A metric that is undefined for the rows given
/// (no labelled rows, one class only, …) is nil.
public enum Metrics {}
