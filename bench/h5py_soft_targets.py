#!/usr/bin/env python3
"""Writing and reading the soft-target cache with h5py: the reference of `mtkd-bench soft-targets`.

Takes every array and attribute of mtkd's soft-targets.h5 (--source) and each dataset's chunk
shape and filters (shuffle, deflate level), then, --repeats times each:
  - writes the same file with h5py the way mtkd's SoftTargetsFile does: to a temporary name in
    the same folder, fsync, rename into place (and, for the details, once more without fsync);
  - reads it back: every array and attribute into memory.

    python3 bench/h5py_soft_targets.py --source artifacts/bench/soft-targets/mtkd.h5 \\
        --folder artifacts/bench/soft-targets --repeats 3

Prints one JSON line on standard output: best times and the settings used.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import h5py
import numpy as np


def layout(source: Path) -> dict:
    """Root attributes, and per group its attributes and datasets (array, chunks, filters)."""
    with h5py.File(source, "r") as f:
        groups = {}
        for name, g in f.items():
            datasets = {}
            for dname, d in g.items():
                datasets[dname] = {"data": d[...], "chunks": d.chunks, "shuffle": d.shuffle,
                                   "compression": d.compression, "level": d.compression_opts}
            groups[name] = {"attrs": dict(g.attrs), "datasets": datasets}
        return {"attrs": dict(f.attrs), "groups": groups}


def write(path: Path, spec: dict, sync: bool) -> None:
    temp = path.parent / f".partial-{os.getpid()}-{path.name}"
    with h5py.File(temp, "w") as f:
        for k, v in spec["attrs"].items():
            f.attrs[k] = v
        for name, g in spec["groups"].items():
            group = f.create_group(name)
            for k, v in g["attrs"].items():
                group.attrs[k] = v
            for dname, d in g["datasets"].items():
                group.create_dataset(dname, data=d["data"], chunks=d["chunks"], shuffle=d["shuffle"],
                                     compression=d["compression"], compression_opts=d["level"], track_times=False)
    if sync:
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    os.replace(temp, path)


def read(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        out = {"attrs": dict(f.attrs)}
        for name, g in f.items():
            out[name] = {"attrs": dict(g.attrs), **{dname: d[...] for dname, d in g.items()}}
        return out


def best_of(repeats: int, call) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return min(times), times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="mtkd's soft-targets.h5")
    ap.add_argument("--folder", type=Path, required=True, help="where to write h5py's copy")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    spec = layout(args.source)
    target = args.folder / "h5py.h5"
    write_best, writes = best_of(args.repeats, lambda: write(target, spec, sync=True))
    plain_best, plains = best_of(args.repeats, lambda: write(target, spec, sync=False))
    read_best, reads = best_of(args.repeats, lambda: read(target))
    back = read(target)
    for name, g in spec["groups"].items():
        for dname, d in g["datasets"].items():
            if not np.array_equal(back[name][dname], d["data"]):
                sys.exit(f"h5py read back different values for /{name}/{dname}")
    settings = {f"/{n}/{d}": {"shape": list(v["data"].shape), "chunks": list(v["chunks"] or []), "shuffle": v["shuffle"],
                              "compression": v["compression"], "level": v["level"]}
                for n, g in spec["groups"].items() for d, v in g["datasets"].items()}
    print(f"  h5py: write {write_best:.3f} s (without fsync {plain_best:.3f} s), read {read_best:.3f} s", file=sys.stderr)
    print(json.dumps({
        "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version, "numpy": np.__version__,
        "write_seconds": write_best, "write_seconds_all": writes,
        "write_without_fsync_seconds": plain_best, "write_without_fsync_seconds_all": plains,
        "read_seconds": read_best, "read_seconds_all": reads,
        "file_bytes": target.stat().st_size, "datasets": settings,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
