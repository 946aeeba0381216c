#!/usr/bin/env python3
"""Predicting from a raw CSV with pandas and onnxruntime: the reference of `mtkd-bench predict`.

Runs mtkd's exported ONNX model (`mtkd export MODEL.h5 --format onnx`, the preprocessing inside
the graph) on a CSV file the way a Python user would, --repeats times, in one process:
  - read: pandas.read_csv with the model's CSV options (from the ONNX metadata: delimiter,
    header or column names, missing tokens for the numeric columns, spaces trimmed);
  - feed: one [N, 1] array per feature column (float32 with NaN for missing, or the strings);
  - run: one onnxruntime session (created inside the timing, as mtkd loads its model) at one
    thread (intra_op_num_threads = inter_op_num_threads = 1), all rows in one call.

    python3 bench/predict_reference.py --model kd.onnx --input data/census/census-income.test.csv --repeats 3

Prints one JSON line: the best end-to-end seconds, the phases of that repeat, rows, and versions.
Python's start and imports are outside the timing. Nothing is written (mtkd's side writes its
CSV output, so the comparison leans toward the reference).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--check", help="mtkd predict's CSV output for the same input: compared with onnxruntime's outputs")
    args = ap.parse_args()

    meta = {p.key: p.value for p in onnx.load(args.model, load_external_data=False).metadata_props}
    pre = json.loads(meta["mtkd_preprocessing"])
    c = pre["csv"]
    numeric = [f["column"] for f in pre["features"] if f["kind"] == "numeric"]
    categorical = [f["column"] for f in pre["features"] if f["kind"] == "categorical"]
    tokens = [t.strip() for t in c["missing_values"]]
    read_options = dict(sep=c["delimiter"], skipinitialspace=True, keep_default_na=False,
                        na_values={col: tokens for col in numeric},
                        dtype={**{col: np.float32 for col in numeric}, **{col: str for col in categorical}},
                        usecols=numeric + categorical)
    if c["header"]:
        read_options["header"] = 0
    else:
        read_options.update(header=None, names=c["columns"] or None)

    best = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        frame = pd.read_csv(args.input, **read_options)
        t1 = time.perf_counter()
        feeds = {col: frame[col].to_numpy(np.float32).reshape(-1, 1) for col in numeric}
        feeds.update({col: frame[col].str.strip().to_numpy(object).reshape(-1, 1) for col in categorical})   # cells trimmed, as mtkd reads them
        t2 = time.perf_counter()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
        t3 = time.perf_counter()
        outputs = session.run(None, feeds)
        t4 = time.perf_counter()
        cpu = time.process_time() - cpu0
        rows = len(frame)
        assert all(len(o) == rows for o in outputs)
        result = {"seconds": t4 - t0, "read_seconds": t1 - t0, "feed_seconds": t2 - t1,
                  "session_seconds": t3 - t2, "run_seconds": t4 - t3, "cpu_seconds": cpu,
                  "rows_per_second_after_parsing": rows / (t4 - t1), "run_rows_per_second": rows / (t4 - t3)}
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    if args.check:   # outside the timing: do both sides compute the same predictions?
        theirs = pd.read_csv(args.check, dtype=str, keep_default_na=False)
        diff, disagree = 0.0, 0
        names = [o.name for o in session.get_outputs()]
        results = dict(zip(names, outputs))
        for t in pre["tasks"]:
            if t["kind"] == "classification":
                ours = theirs[[f"{t['name']}:p({c})" for c in t["classes"]]].to_numpy(np.float64)
                disagree += int((results[t["name"] + ":class"][:, 0] != theirs[t["name"]].to_numpy()).sum())
            else:
                ours = theirs[[t["name"]]].to_numpy(np.float64)
            diff = max(diff, float(np.max(np.abs(results[t["name"]] - ours) / np.maximum(1, np.abs(ours)))))
        best.update(check_max_relative_difference=diff, check_class_disagreements=disagree)
    best.update(rows=rows, repeats=args.repeats, pandas=pd.__version__, onnxruntime=ort.__version__,
                numpy=np.__version__, python=sys.version.split()[0])
    print(json.dumps(best))


if __name__ == "__main__":
    main()
