"""Reference numbers for Tests/GBDTTests/XGBoostReferenceTests.swift, from Python's xgboost.

    pip install "xgboost==1.7.4" scipy     # the version of Debian's libxgboost-dev
    python3 Tests/GBDTTests/Reference/xgboost_reference.py

Builds the same synthetic rows as `ReferenceData` in the Swift test (integer arithmetic, then
float32, so both sides hold identical bits), gives them to XGBoost as the same CSR matrix
(NaN and the zeros of the one-hot inputs left out), trains with `xgboost.train(...,
early_stopping_rounds=...)` and prints, in Swift syntax, what the test compares: the best
iteration, the rounds boosted, validation losses, and the margins of the kept rounds on the
test rows. Swift never runs this file; the numbers are pasted into the test.
"""
import numpy as np
import scipy.sparse as sp
import xgboost as xgb

ROWS, TRAIN, VAL = 400, 280, 80  # test rows: 360 ..< 400
NUMERIC, CATEGORIES = 4, 3


def data():
    x = np.zeros((ROWS, NUMERIC + CATEGORIES), dtype=np.float32)
    s = np.zeros(ROWS)
    for i in range(ROWS):
        for j in range(NUMERIC):
            h = (i * 2654435761 + j * 40503 + 12345) % 1000
            x[i, j] = np.float32(h) / np.float32(1000) - np.float32(0.5)
        c = (i * 7 + i // 5) % CATEGORIES
        x[i, NUMERIC + c] = 1
        if i % 17 == 3:
            x[i, 2] = np.nan  # a missing numeric value
        noise = ((i * 7919) % 101) / 101 - 0.5
        v = [float(x[i, j]) for j in range(NUMERIC)]
        v2 = 0.0 if np.isnan(x[i, 2]) else v[2]
        s[i] = v[0] + 2 * v[1] * v2 - v[3] + (0.4 if c == 1 else -0.2) + 0.5 * noise
    return x, s


def labels(s, objective):
    if objective == "binary:logistic":
        return (s > 0).astype(np.float32)
    if objective == "multi:softprob":
        return np.where(s < -0.3, 0, np.where(s < 0.3, 1, 2)).astype(np.float32)
    return s.astype(np.float32)


def csr(x):
    """NaN and the zeros of the one-hot inputs are absent (missing to XGBoost)."""
    keep = ~np.isnan(x)
    keep[:, NUMERIC:] &= x[:, NUMERIC:] != 0
    r, c = np.nonzero(keep)
    return sp.csr_matrix((x[r, c], (r, c)), shape=x.shape)


def case(name, objective, extra):
    x, s = data()
    y = labels(s, objective)
    m = csr(x)
    dtrain = xgb.DMatrix(m[:TRAIN], label=y[:TRAIN], missing=np.nan)
    dval = xgb.DMatrix(m[TRAIN:TRAIN + VAL], label=y[TRAIN:TRAIN + VAL], missing=np.nan)
    dtest = xgb.DMatrix(m[TRAIN + VAL:], missing=np.nan)
    params = dict(objective=objective, tree_method="hist", max_depth=3, eta=0.3, subsample=0.8,
                  colsample_bytree=0.8, min_child_weight=1, reg_lambda=1, seed=7, nthread=1, **extra)
    loss = {"binary:logistic": "logloss", "multi:softprob": "mlogloss", "reg:squarederror": "rmse"}[objective]
    params["eval_metric"] = [loss]
    log = {}
    b = xgb.train(params, dtrain, num_boost_round=200, evals=[(dtrain, "train"), (dval, "val")],
                  early_stopping_rounds=8, evals_result=log, verbose_eval=False)
    margins = b.predict(dtest, output_margin=True, iteration_range=(0, b.best_iteration + 1))
    margins = margins.reshape(len(margins), -1)
    val = log["val"][loss]
    print(f"    // {name}: {objective}")
    print(f"    static let {name} = Expected(bestIteration: {b.best_iteration}, rounds: {b.num_boosted_rounds()},")
    print(f"        validationLoss: [{', '.join(repr(float(v)) for v in val[:3])}],  // XGBoost's {loss}, rounds 0-2")
    print(f"        margins: [")
    for row in margins[:8]:
        print("            [" + ", ".join(repr(float(v)) for v in row) + "],")
    print("        ])")


if __name__ == "__main__":
    print(f"    // xgboost {xgb.__version__}")
    case("binary", "binary:logistic", {})
    case("multiclass", "multi:softprob", {"num_class": 3})
    case("regression", "reg:squarederror", {})
