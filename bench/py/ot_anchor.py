"""Python anchor for bench/ot_bench.ts: times POT 0.8.2 (and a NumPy version of the paper
surrogate, from methods/lib/ot/pot_ref.py) on the inputs the TypeScript bench wrote.

Protocol: one JSON task per line on stdin, one JSON answer per line on stdout, so the bench can
interleave Python and TypeScript runs of the same task under the same machine load. Inputs are
float64 little-endian .bin files named in the task; result plans are written to its "out" file."""
import json
import os
import sys
import time
import warnings

import numpy as np
import ot

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "methods", "lib", "ot"))
from pot_ref import surrogate  # noqa: E402

warnings.simplefilter("ignore")


def load(path, shape):
    return np.fromfile(path, dtype="<f8").reshape(shape)


def timed(fn, reps, warmup=0):
    for _ in range(warmup):
        fn()
    best = None
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return out, best


def run(task):
    n, m, reps, warmup = task["n"], task["m"], task["reps"], task.get("warmup", 0)
    a = np.full(n, 1 / n)
    b = np.full(m, 1 / m)
    kind = task["kind"]
    if kind == "sinkhorn":
        M = load(task["M"], (n, m))
        (plan, log), sec = timed(lambda: ot.sinkhorn(a, b, M, task["reg"], log=True), reps, warmup)
        plan.astype("<f8").tofile(task["out"])
        return {"seconds": sec, "iterations": int(log["niter"])}
    if kind == "emd":
        M = load(task["M"], (n, m))
        cost, sec = timed(lambda: ot.emd2(a, b, M, numItermax=task["maxIter"]), reps, warmup)
        return {"seconds": sec, "value": float(cost)}
    if kind == "fgw":
        M = load(task["M"], (n, m))
        C1 = load(task["C1"], (n, n))
        C2 = load(task["C2"], (m, m))
        (plan, log), sec = timed(lambda: ot.gromov.fused_gromov_wasserstein(
            M, C1, C2, a, b, loss_fun="square_loss", alpha=task["alpha"], log=True), reps, warmup)
        plan.astype("<f8").tofile(task["out"])
        return {"seconds": sec, "value": float(log["fgw_dist"]), "iterations": len(log["loss"]) - 1}
    if kind == "surrogate":
        X = load(task["X"], (n, task["d"]))
        Y = load(task["Y"], (m, task["d"]))
        (idx, w, _), sec = timed(lambda: surrogate(X, Y, keepDense=False), reps, warmup)
        return {"seconds": sec, "indices": idx, "weights": w}
    raise ValueError(kind)


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
