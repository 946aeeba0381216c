import Artifacts

/// The one line that says which student to ship: chosen by evaluate on the validation split
/// (`metrics.json` → `ship`), never recomputed here and never from the test split.
public enum ShipLine {
    /// "ship: kd — validation score 0.9137 (mean primary metric over tasks, 3 replicates), 424
    /// parameters, 66× fewer than the teacher ensembles (28,050)"; nil for a pipeline without students.
    public static func text(_ report: EvaluationReport) -> String? {
        guard report.models.contains(where: { $0.role == .student }) else { return nil }
        guard let ship = report.ship else {
            return report.comparisons == nil
                ? "ship: unknown — report/metrics.json does not choose (written before mtkd chose on validation)"
                : "ship: none — no student has a validation score"
        }
        return text(ship, replicates: report.comparison(ship.student)?.replicates)
    }

    /// The line for `ship`; `pipeline` names the pipeline when several are compared.
    static func text(_ ship: ShipChoice, replicates: Int?, pipeline: String? = nil) -> String {
        var line = "ship: \(ship.student)" + (pipeline.map { " of \($0)" } ?? "")
        line += " — validation score \(_Format.fixed(ship.validationScore)) (mean primary metric over tasks"
        line += (replicates.map { ", " + _Format.replicates($0) } ?? "") + ")"
        line += ", \(_Format.count(ship.parameters)) parameters"
        if let ensemble = ship.ensembleParameters, ensemble > 0, ship.parameters > 0 {
            let ratio = Double(ensemble) / Double(ship.parameters)
            let compared = ship.parameters == ensemble ? "as many as"
                : ship.parameters < ensemble ? "\(_Format.times(ratio)) fewer than" : "\(_Format.times(1 / ratio)) more than"
            line += ", \(compared) the teacher ensembles (\(_Format.count(ensemble)))"
        }
        return line
    }
}
