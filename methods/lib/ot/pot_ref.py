"""Reference answers from POT 0.8.2 for the OT tests: reads a JSON list of requests on stdin,
writes a JSON list of answers on stdout (float64 round-trips exactly through JSON)."""
import json
import sys
import warnings

import numpy as np
import ot
from scipy.spatial.distance import cdist

warnings.simplefilter("ignore")


def arr(x):
    return np.asarray(x, dtype=np.float64)


def answer(req):
    op = req["op"]
    if op == "sinkhorn":
        method = {"sinkhorn": "sinkhorn", "log": "sinkhorn_log"}[req.get("method", "sinkhorn")]
        plan, log = ot.sinkhorn(arr(req["a"]), arr(req["b"]), arr(req["M"]), req["reg"],
                                method=method, numItermax=req.get("maxIter", 1000),
                                stopThr=req.get("tol", 1e-9), log=True)
        return {"plan": plan.tolist(), "niter": int(log["niter"])}
    if op == "emd":
        plan, log = ot.emd(arr(req["a"]), arr(req["b"]), arr(req["M"]), log=True,
                           numItermax=req.get("maxIter", 100000))
        return {"plan": plan.tolist(), "cost": float(log["cost"]),
                "emd2": float(ot.emd2(arr(req["a"]), arr(req["b"]), arr(req["M"]))),
                "code": int(log["result_code"])}
    if op == "fgw":
        args = (arr(req["M"]), arr(req["C1"]), arr(req["C2"]), arr(req["p"]), arr(req["q"]))
        kw = dict(loss_fun="square_loss", alpha=req["alpha"], armijo=req.get("armijo", False))
        plan, log = ot.gromov.fused_gromov_wasserstein(*args, log=True, **kw)
        value = ot.gromov.fused_gromov_wasserstein2(*args, **kw)
        return {"plan": plan.tolist(), "value": float(value), "logValue": float(log["fgw_dist"]),
                "iterations": len(log["loss"]) - 1}
    if op == "cdist":
        X, Y = arr(req["X"]), arr(req["Y"])
        Xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
        Yn = Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-300)
        return {"sq": cdist(X, Y, "sqeuclidean").tolist(), "cos": (Xn @ Yn.T).tolist()}
    if op == "surrogate":
        opts = req.get("opts", {})
        idx, w, dense = surrogate(arr(req["X"]), arr(req["Y"]), **opts)
        return {"indices": idx, "weights": w, "dense": dense}
    raise ValueError(f"unknown op {op}")


def surrogate(X, Y, alpha=0.5, temperature=1.0, epsilon=0.05, kernelFloor=1e-8, iterations=20,
              topK=10, chunkSize=1024, poolSize=1024, poolScore="mean", keepDense=True):
    """The paper's matcher as REFERENCE_METHOD.md section 4 states it, in vectorised NumPy.
    Returns per-source top-k target indices and weights, and the dense row-normalised weights
    of every chunk (list of (source start, pool indices, matrix))."""
    indices, weights, dense = [], [], []
    for start in range(0, len(X), chunkSize):
        Xc = X[start:start + chunkSize]
        if len(Y) <= poolSize:
            pool = np.arange(len(Y))
        else:
            Xn = Xc / np.linalg.norm(Xc, axis=1, keepdims=True)
            Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
            sims = Xn @ Yn.T
            score = sims.mean(0) if poolScore == "mean" else sims.max(0)
            pool = np.argsort(-score, kind="stable")[:poolSize]
        Yp = Y[pool]
        M = cdist(Xc, Yp, "sqeuclidean")
        if len(Xc) == len(Yp):
            C1 = cdist(Xc, Xc, "sqeuclidean")
            C2 = cdist(Yp, Yp, "sqeuclidean")
            C1 = C1 / C1.mean(1, keepdims=True)
            C2 = C2 / C2.mean(1, keepdims=True)
            S = cdist(C1, C2, "sqeuclidean") / len(Xc)
            cost = alpha * S + (1 - alpha) * M
        else:
            cost = M
        cost = cost / cost.mean() / temperature
        K = np.maximum(np.exp(-cost / epsilon), kernelFloor)
        a = np.full(len(Xc), 1 / len(Xc))
        b = np.full(len(Yp), 1 / len(Yp))
        v = np.ones(len(Yp))
        for _ in range(iterations):
            u = a / (K @ v)
            v = b / (K.T @ u)
        W = u[:, None] * K * v[None, :]
        W = W / W.sum(1, keepdims=True)
        order = np.argsort(-W, axis=1, kind="stable")[:, :topK]
        indices += pool[order].tolist()
        weights += np.take_along_axis(W, order, 1).tolist()
        if keepDense:
            dense.append({"start": start, "pool": pool.tolist(), "W": W.tolist()})
    return indices, weights, dense


def main():
    requests = json.load(sys.stdin)
    json.dump([answer(r) for r in requests], sys.stdout)


if __name__ == "__main__":
    main()
