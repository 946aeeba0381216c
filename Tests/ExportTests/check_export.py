#!/usr/bin/env python3
"""Checks mtkd's exports against `mtkd predict`, independently of mtkd's code.

    python3 check_export.py CASES.json

CASES.json lists cases: {"name", "onnx", "safetensors", "input", "predictions"}: an exported
model (both formats), the raw CSV it predicted on and `mtkd predict`'s CSV output for it.
For each case:

1. `onnx.checker.check_model(model, full_check=True)` passes;
2. the ONNX metadata's preprocessing equals the safetensors metadata's;
3. onnxruntime (one thread) runs the graph on the raw columns of the input (floats — doubles for
   a gbdt member — with NaN for missing numeric cells, the trimmed text of categorical cells): its per-task outputs equal
   mtkd's probabilities (or values) and its predicted class names equal mtkd's;
4. a numpy forward pass written here from the safetensors weights and the metadata alone
   (encoding, hard sharing / cross-stitch / soft sharing, softmax) gives the same numbers; for a
   gradient-boosted member (blueprint kind "gbdt"), a numpy walk of the trees in the safetensors
   node arrays (left when x < split_conditions, default_left when missing; zeros of the
   zero_is_missing inputs are missing), summed per class from base_margin.

"Equal" is |a − b| ≤ tol · max(1, |b|), tol = 1e-5; class names may differ only where mtkd's two
largest probabilities are within tol (a tie). Prints OK / NOT OK per case with the largest
differences; exits 1 if any case is not OK.
"""
import csv
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
from safetensors import safe_open

TOL = 1e-5


def read_rows(path, pre):
    """The input's cells by column name, as training read them (trimmed, blank lines skipped)."""
    c = pre["csv"]
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f, delimiter=c["delimiter"], skipinitialspace=True) if any(x.strip() for x in r)]
    if c["header"]:
        names, rows = rows[0], rows[1:]
    else:
        names = c["columns"] or [f"c{i}" for i in range(len(rows[0]))]
    trim = (lambda s: s.strip(" \t")) if c["trim_whitespace"] else (lambda s: s)
    cols = {n: [trim(r[i]) for r in rows] for i, n in enumerate(names)}
    return cols, len(rows)


def missing_tokens(pre):
    return {t.strip(" \t") for t in pre["csv"]["missing_values"]}


def onnx_feeds(cols, pre, types):
    """Numeric columns as the graph declares them: float, or double (a gbdt member's exact encoding)."""
    missing = missing_tokens(pre)
    feeds = {}
    for f in pre["features"]:
        cells = cols[f["column"]]
        if f["kind"] == "numeric":
            dtype = np.float64 if types[f["column"]] == "tensor(double)" else np.float32
            feeds[f["column"]] = np.array([[np.nan if x in missing else float(x)] for x in cells], dtype=dtype)
        else:
            feeds[f["column"]] = np.array([[x] for x in cells], dtype=object)
    return feeds


def encode(cols, n, pre):
    """The input matrix: numeric float32 of the feature's scaling computed in float64 —
    standard (x − mean) / std (the default when "scaling" is absent), minmax (x − min) / (max − min)
    (/ 1 when max = min), none x — missing → float32(impute) (0 when absent); categorical
    one-hot, unseen → <other> (other_index) or nothing, missing → nothing."""
    missing = missing_tokens(pre)
    blocks = []
    for f in pre["features"]:
        cells = cols[f["column"]]
        if f["kind"] == "numeric":
            v = np.array([np.nan if x in missing else float(x) for x in cells], dtype=np.float64)
            scaling = f.get("scaling", "standard")
            if scaling == "standard":
                z = (v - f["mean"]) / f["std"]
            elif scaling == "minmax":
                z = (v - f["min"]) / (f["max"] - f["min"] if f["max"] > f["min"] else 1.0)
            elif scaling == "none":
                z = v
            else:
                raise SystemExit(f"unknown scaling {scaling}")
            z = z.astype(np.float32)
            blocks.append(np.where(np.isnan(z), np.float32(f.get("impute", 0.0)), z)[:, None])
        else:
            index = {c: k for k, c in enumerate(f["categories"])}
            other = f.get("other_index")
            hot = np.zeros((n, len(f["categories"])), dtype=np.float32)
            for r, x in enumerate(cells):
                if x in missing:
                    continue
                k = index.get(x, other)
                if k is not None and k >= 0:
                    hot[r, k] = 1
            blocks.append(hot)
    return np.concatenate(blocks, axis=1)


def forward(x, blueprint, w):
    """Logits per task. Linear weights are (in, out): y = x·W + b."""
    relu = lambda a: np.maximum(a, 0)
    lin = lambda h, name: h @ w[name + ".weight"] + w[name + ".bias"]
    tasks = [t["name"] for t in blueprint["tasks"]]
    hidden = blueprint["hidden"]
    arch = blueprint["architecture"]
    if arch == "hard-sharing":
        h = x
        for l in range(len(hidden)):
            h = relu(lin(h, f"trunk.{l}"))
        return [lin(h, f"head.{t}") for t in tasks]
    if arch == "soft-sharing":
        out = []
        for t in tasks:
            h = x
            for l in range(len(hidden)):
                h = relu(lin(h, f"column.{t}.{l}"))
            out.append(lin(h, f"head.{t}"))
        return out
    if arch == "cross-stitch":
        T = len(tasks)
        hs = [x] * T
        for l, width in enumerate(hidden):
            a = [relu(lin(hs[i], f"column.{t}.{l}")) for i, t in enumerate(tasks)]
            A = w[f"stitch.{l}"]
            if blueprint.get("perUnit", False):   # (T, T·width): A_ij[u] at [i, j·width + u]
                hs = [sum(A[i, j * width:(j + 1) * width] * a[j] for j in range(T)) for i in range(T)]
            else:                                 # (T, T)
                hs = [sum(A[i, j] * a[j] for j in range(T)) for i in range(T)]
        return [lin(hs[i], f"head.{t}") for i, t in enumerate(tasks)]
    raise SystemExit(f"unknown architecture {arch}")


def walk_trees(x, w, objective):
    """A gradient-boosted member's logits: margins (N, G) by walking every tree for every row."""
    x = np.where((x == 0) & (w["zero_is_missing"][None, :] == 1), np.float32(np.nan), x).astype(np.float32)
    start, group = w["tree_start"].astype(np.int64), w["tree_group"].astype(np.int64)
    left, right = w["left_children"].astype(np.int64), w["right_children"].astype(np.int64)
    feature, condition, default_left = w["split_indices"].astype(np.int64), w["split_conditions"], w["default_left"] == 1
    n = x.shape[0]
    rows = np.arange(n)
    margins = np.tile(w["base_margin"].astype(np.float32), (n, 1))
    for t in range(len(group)):
        node = np.full(n, start[t])
        while True:
            leaf = left[node] < 0
            if leaf.all():
                break
            v = x[rows, feature[node]]
            go_left = np.where(np.isnan(v), default_left[node], v < condition[node])
            node = np.where(leaf, node, start[t] + np.where(go_left, left[node], right[node]))
        margins[:, group[t]] += condition[node]
    if objective == "binary:logistic":
        return [np.concatenate([np.zeros_like(margins), margins], axis=1)]
    return [margins]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def read_predictions(path, pre):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    at = {n: i for i, n in enumerate(header)}
    out = {}
    for t in pre["tasks"]:
        if t["kind"] == "classification":
            probs = np.array([[float(r[at[f"{t['name']}:p({c})"]]) for c in t["classes"]] for r in rows], dtype=np.float64)
            out[t["name"]] = (probs, [r[at[t["name"]]] for r in rows])
        else:
            out[t["name"]] = (np.array([[float(r[at[t["name"]]])] for r in rows], dtype=np.float64), None)
    return out, len(rows)


def difference(a, b):
    """max |a − b| / max(1, |b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1, np.abs(b)))) if a.size else 0.0


def check(case):
    problems = []
    model = onnx.load(case["onnx"])
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    with safe_open(case["safetensors"], "np") as f:
        st_meta = f.metadata()
        weights = {k: f.get_tensor(k) for k in f.keys()}
    pre = json.loads(st_meta["preprocessing"])
    blueprint = json.loads(st_meta["blueprint"])
    if json.loads(meta["mtkd_preprocessing"]) != pre:
        problems.append("ONNX and safetensors metadata disagree on the preprocessing")
    cols, n = read_rows(case["input"], pre)
    mtkd, rows = read_predictions(case["predictions"], pre)
    if rows != n:
        problems.append(f"mtkd predicted {rows} rows, the input has {n}")
        return problems, {}
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(case["onnx"], options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    types = {i.name: i.type for i in session.get_inputs()}
    ort_out = dict(zip(names, session.run(None, onnx_feeds(cols, pre, types))))
    if blueprint.get("kind") == "gbdt":
        logits = walk_trees(encode(cols, n, pre), weights, st_meta["objective"])
    else:
        logits = forward(encode(cols, n, pre), blueprint, weights)
    worst = {"onnxruntime": 0.0, "numpy": 0.0}
    for t, z in zip(pre["tasks"], logits):
        values, classes = mtkd[t["name"]]
        ours = softmax(z.astype(np.float64)) if t["kind"] == "classification" else z * t["label_std"] + t["label_mean"]
        for who, got in (("onnxruntime", ort_out[t["name"]]), ("numpy", ours)):
            d = difference(got, values)
            worst[who] = max(worst[who], d)
            if not d <= TOL:
                problems.append(f"{t['name']}: {who} differs from mtkd predict by {d:.3g}")
        if classes is not None:
            top2 = np.sort(values, axis=1)[:, -2:]
            tie = (top2[:, 1] - top2[:, 0]) <= TOL
            labels = [str(x) for x in ort_out[f"{t['name']}:class"][:, 0]]
            wrong = [r for r in range(n) if labels[r] != classes[r] and not tie[r]]
            if wrong:
                problems.append(f"{t['name']}: onnxruntime's class differs on {len(wrong)} rows, first at data row {wrong[0] + 1}")
    return problems, worst


def main():
    cases = json.load(open(sys.argv[1]))
    failed = 0
    for case in cases:
        try:
            problems, worst = check(case)
        except Exception as e:  # a check that cannot run is a failure, with its reason
            problems, worst = [f"{type(e).__name__}: {e}"], {}
        detail = ", ".join(f"max rel. diff {k} {v:.2e}" for k, v in worst.items())
        if problems:
            failed += 1
            print(f"NOT OK {case['name']}: " + "; ".join(problems))
        else:
            print(f"OK {case['name']}: {detail}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
