#!/usr/bin/env python3
"""Versions of the Python side of the benchmark, as one JSON line (missing packages are null)."""
import json
import platform

out = {"python": platform.python_version()}
for name in ("numpy", "torch", "h5py"):
    try:
        out[name] = __import__(name).__version__
    except ImportError:
        out[name] = None
try:
    import h5py
    out["hdf5_h5py"] = h5py.version.hdf5_version
except ImportError:
    out["hdf5_h5py"] = None
print(json.dumps(out))
