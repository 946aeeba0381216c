import Foundation

/// Why a prediction could not be made. Messages start with the file (and line), like the CSV
/// reader's: `new.csv:12: column 'age': missing value; …`.
public enum PredictError: Error, LocalizedError, Equatable {
    /// The input cannot be predicted on (a missing column, a bad cell, no rows): exit 64.
    case badInput(String)
    /// The model files do not fit together or lack what predicting needs: exit 64 as well, the
    /// user named them.
    case badModel(String)

    public var errorDescription: String? {
        switch self {
        case .badInput(let m), .badModel(let m): return m
        }
    }
}
