"""Reference values for Tests/MetricsTests, computed with scikit-learn.

Run:  python3 Tests/MetricsTests/reference_metrics.py   (needs numpy and scikit-learn)
and paste the printed numbers into the Swift tests. The arrays here are the same as in
the Swift tests; rows whose label is -1 (or whose target is NaN) are dropped before
calling scikit-learn, which is how mtkd's Metrics treat them. Float32 inputs are rounded
to float32 here too, so both sides see the same numbers.
"""
import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, f1_score, log_loss, mean_squared_error,
                             r2_score, roc_auc_score)


def show(name, value):
    print(f"{name} = {float(value)!r}")


def labelled(pred, y):
    pred, y = np.asarray(pred), np.asarray(y)
    keep = y >= 0
    return pred[keep], y[keep]


print(f"# scikit-learn {sklearn.__version__}, numpy {np.__version__}")

# Classification: 3 classes, two missing labels.
labels = [0, 1, 2, 2, 1, -1, 0, 1, 2, 0, -1, 1]
predicted = [0, 2, 2, 2, 1, 0, 1, 1, 0, 0, 2, 1]
p, y = labelled(predicted, labels)
show("accuracy", accuracy_score(y, p))
show("macroF1", f1_score(y, p, average="macro"))

# Class 3 is only ever predicted (never a label): it counts, with F1 = 0.
labels4 = [0, 0, 1, 1, 2, 2, -1, 1]
predicted4 = [0, 3, 1, 0, 2, 3, 3, 1]
p, y = labelled(predicted4, labels4)
show("macroF1PredictedOnlyClass", f1_score(y, p, average="macro"))

# ROC AUC with ties and missing labels.
auc_scores = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.1, 0.9, 0.55, 0.4, 0.3, 0.65], dtype=np.float32)
auc_labels = [0, 0, 1, 1, 1, 0, 0, 1, -1, 0, -1, 1]
s, y = labelled(auc_scores, auc_labels)
show("rocAUCTies", roc_auc_score(y, s.astype(np.float64)))

# ROC AUC on 1000 generated rows with scores k/20 (many ties), same generator as in Swift:
# x <- (1664525 x + 1013904223) mod 2^32, score = ((x >> 8) % 21) / 20 in float32,
# label = -1 if (x >> 4) % 10 == 0, else 1 if ((x >> 16) % 100) < 30 + 60 * score, else 0.
x = 12345
gs, gy = [], []
for _ in range(1000):
    x = (1664525 * x + 1013904223) % 2**32
    score = np.float32((x >> 8) % 21) / np.float32(20)
    if (x >> 4) % 10 == 0:
        label = -1
    else:
        label = 1 if ((x >> 16) % 100) < 30 + 60 * float(score) else 0
    gs.append(score)
    gy.append(label)
s, y = labelled(np.array(gs, dtype=np.float32), gy)
show("rocAUCGenerated", roc_auc_score(y, s.astype(np.float64)))

# Regression, NaN = missing target.
reg_pred = np.array([2.5, 0.0, 2.1, 7.8, -1.25, 3.0, 4.4, 0.3])
reg_true = np.array([3.0, -0.5, 2.0, 7.0, np.nan, 2.75, 5.1, np.nan])
keep = ~np.isnan(reg_true)
show("rmse", np.sqrt(mean_squared_error(reg_true[keep], reg_pred[keep])))
show("r2", r2_score(reg_true[keep], reg_pred[keep]))

# Log loss: dyadic probabilities (exact in float32, rows sum exactly to 1).
probs = np.array([
    [0.5, 0.25, 0.25],
    [0.125, 0.75, 0.125],
    [0.0625, 0.0625, 0.875],
    [0.25, 0.5, 0.25],
    [0.375, 0.375, 0.25],
    [0.6875, 0.1875, 0.125],
], dtype=np.float32)
ll_labels = [0, 1, 2, 2, -1, 1]
keep = np.array(ll_labels) >= 0
show("logLoss", log_loss(np.array(ll_labels)[keep], probs[keep].astype(np.float64), labels=[0, 1, 2]))

# Mean entropy (nats) of the same rows, all six.
p64 = probs.astype(np.float64)
show("meanEntropy", -(p64 * np.log(p64)).sum(axis=1).mean())
