#!/usr/bin/env python3
"""The kd student's training loop in PyTorch CPU, timed: the reference of `mtkd-bench training`.

Reads the arrays mtkd-bench wrote (--inputs: x.npy, y_<task>.npy, q_<task>.npy, tasks.json), so
both sides train on identical inputs, and per repeat trains a fresh hard-sharing student (the
`HardSharing` module of bench/torch_reference.py: trunk Linear–ReLU–Dropout blocks, one 2-logit
head per task) with Adam for --epochs epochs of shuffled batches. Per task the loss is
`(1-α)·CE(y, p) + α·T²·KL(q ‖ p_T)`, summed over tasks, as in torch_reference.py's `fit`.
Only the batch loop is timed (gathering each batch's rows included, as on mtkd's side).

    python3 bench/torch_step.py --inputs artifacts/bench/training-inputs --repeats 3

Prints progress on standard error and one JSON line on standard output: the best repeat's
examples/s, every repeat's seconds and CPU/wall, and (unless --no-gemm) torch's own matrix
product rate on the step's shapes, to tell BLAS speed from framework overhead.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torch_reference import HardSharing  # noqa: E402  (the reference's own network)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load(folder: Path) -> tuple[torch.Tensor, list[str], list[torch.Tensor], list[torch.Tensor]]:
    tasks = json.loads((folder / "tasks.json").read_text())["tasks"]
    x = torch.from_numpy(np.ascontiguousarray(np.load(folder / "x.npy")))
    ys = [torch.from_numpy(np.load(folder / f"y_{t}.npy").astype(np.int64)) for t in tasks]
    qs = [torch.from_numpy(np.ascontiguousarray(np.load(folder / f"q_{t}.npy"))) for t in tasks]
    return x, tasks, ys, qs


def train(x, ys, qs, args, seed: int, steps: int | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of `args.epochs` epochs of the batch loop for a fresh student
    (or of its first `steps` batches: the untimed warm-up)."""
    torch.manual_seed(seed)
    model = HardSharing(x.shape[1], tuple(args.hidden), args.dropout, tasks=len(ys))
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    shuffle = torch.Generator().manual_seed(seed + 7919)
    alpha, T, n = args.alpha, args.temperature, x.shape[0]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=shuffle)
        for i in range(0, n if steps is None else min(n, steps * args.batch_size), args.batch_size):
            idx = order[i:i + args.batch_size]
            outputs = model(x[idx])
            loss = torch.zeros(())
            for z, y, q in zip(outputs, ys, qs):
                kl = F.kl_div(F.log_softmax(z / T, dim=1), q[idx], reduction="batchmean")
                loss = loss + (1 - alpha) * F.cross_entropy(z, y[idx]) + alpha * T * T * kl
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def gemm_rates(features: int, hidden: list[int], tasks: int, batch: int) -> dict:
    """torch's matrix products on the step's shapes, in nn.Linear's layout (W is out×in):
    forward addmm(b, x, Wᵀ), weight gradient dyᵀ·x, input gradient dy·W (not for the first layer)."""
    widths = [features] + hidden
    layers = [(f"trunk.{i}", widths[i], widths[i + 1]) for i in range(len(hidden))]
    layers += [(f"head.{t}", widths[-1], 2) for t in range(tasks)]
    products = []
    for i, (name, fan_in, fan_out) in enumerate(layers):
        x, w, b = torch.randn(batch, fan_in), torch.randn(fan_out, fan_in), torch.randn(fan_out)
        dy = torch.randn(batch, fan_out)
        products.append((f"{name} forward", lambda x=x, w=w, b=b: torch.addmm(b, x, w.t()), batch * fan_in * fan_out))
        products.append((f"{name} dW", lambda dy=dy, x=x: dy.t().mm(x), batch * fan_in * fan_out))
        if i > 0:
            products.append((f"{name} dX", lambda dy=dy, w=w: dy.mm(w), batch * fan_in * fan_out))
    out, total_flops, total_seconds = [], 0.0, 0.0
    for name, call, mnk in products:
        for _ in range(10):
            call()
        t = time.perf_counter()
        for _ in range(10):
            call()
        calls = max(10, int(0.04 / max((time.perf_counter() - t) / 10, 1e-7)))
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(calls):
                call()
            best = min(best, (time.perf_counter() - t) / calls)
        flops = 2.0 * mnk
        out.append({"name": name, "gflop": flops / 1e9, "seconds_per_call": best, "gflops": flops / best / 1e9})
        total_flops += flops
        total_seconds += best
    return {"products": out, "step_gflops": total_flops / total_seconds / 1e9}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=Path, required=True, help="folder of x.npy, y_<task>.npy, q_<task>.npy, tasks.json")
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=1, help="epochs per repeat (1)")
    ap.add_argument("--repeats", type=int, default=3, help="fresh students trained; the best counts (3)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--warmup-steps", type=int, default=50, help="untimed steps of a throwaway student first (50)")
    ap.add_argument("--no-gemm", action="store_true", help="skip timing torch's matrix products alone")
    args = ap.parse_args()
    if min(args.epochs, args.repeats, args.threads, args.batch_size) < 1:
        ap.error("--epochs, --repeats, --threads and --batch-size must be >= 1")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    x, tasks, ys, qs = load(args.inputs)
    log(f"  torch {torch.__version__}, {torch.get_num_threads()} thread(s): {x.shape[0]} × {x.shape[1]}, tasks {', '.join(tasks)}")
    if args.warmup_steps > 0:
        train(x, ys, qs, args, args.seed, steps=args.warmup_steps)
    walls, cpus = [], []
    for r in range(args.repeats):
        wall, cpu = train(x, ys, qs, args, args.seed)
        walls.append(wall)
        cpus.append(cpu)
        log(f"  torch epoch {r + 1}: {wall:.2f} s, {x.shape[0] * args.epochs / wall:,.0f} ex/s, CPU/wall {cpu / wall:.2f}")
    best = min(range(args.repeats), key=lambda i: walls[i])
    result = {
        "torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
        "rows": int(x.shape[0]), "features": int(x.shape[1]), "tasks": tasks, "epochs_per_repeat": args.epochs,
        "warmup_steps": args.warmup_steps, "seconds": walls, "cpu_over_wall": [c / w for c, w in zip(cpus, walls)],
        "examples_per_second": x.shape[0] * args.epochs / walls[best],
        "load_average": list(os.getloadavg()),
    }
    if not args.no_gemm:
        result["gemm"] = gemm_rates(x.shape[1], args.hidden, len(tasks), args.batch_size)
        log(f"  torch matrix products on the step's shapes: {result['gemm']['step_gflops']:.1f} GFLOP/s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
