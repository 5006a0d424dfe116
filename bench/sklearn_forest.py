"""scikit-learn's RandomForestClassifier as the benchmark's reference, driven over JSON.

Reads one JSON request on stdin, writes one JSON answer on stdout:
  {"task": "fit", "X": [[...]], "y": [...], "repeats": 3, "trees": 100, "maxDepth": 10, "seed": 1}
    -> {"fitMs": [...], "version": "1.2.1"}          (fit time measured inside Python)
  {"task": "prequential", "X": ..., "y": ..., "batch": 50, "window": null, ...}
    -> {"proba": [...], "fitMs": total, "fits": n}   (test-then-train, full retrain per batch
                                                      on all rows so far or the last `window`)
  {"task": "batch", "requests": [...]} -> {"answers": [...]}  (one Python start-up for many requests)
When scikit-learn is missing: {"skipped": "<reason>"}.
The forest is the original design's: 100 trees, depth 10, balanced classes, both cores.
"""
import json
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
except ImportError as error:  # a stated skip, not a failure
    print(json.dumps({"skipped": f"scikit-learn is not installed ({error})"}))
    sys.exit(0)


def forest(request):
    return RandomForestClassifier(
        n_estimators=request.get("trees", 100),
        max_depth=request.get("maxDepth", 10),
        class_weight="balanced",
        n_jobs=-1,
        random_state=request.get("seed", 1),
    )


def approve_proba(model, X):
    proba = model.predict_proba(X)
    classes = list(model.classes_)
    if 1 in classes:
        return proba[:, classes.index(1)]
    return np.zeros(len(X))


def fit(request):
    X = np.asarray(request["X"], dtype=np.float64)
    y = np.asarray(request["y"], dtype=np.int64)
    times = []
    for _ in range(request.get("repeats", 1)):
        model = forest(request)
        started = time.perf_counter()
        model.fit(X, y)
        times.append((time.perf_counter() - started) * 1000)
    return {"fitMs": times, "version": sklearn.__version__}


def prequential(request):
    X = np.asarray(request["X"], dtype=np.float64)
    y = np.asarray(request["y"], dtype=np.int64)
    batch = request["batch"]
    window = request.get("window")
    proba = []
    model = None
    fit_ms = 0.0
    fits = 0
    for start in range(0, len(y), batch):
        end = min(len(y), start + batch)
        if model is None:
            proba.extend([0.5] * (end - start))
        else:
            proba.extend(float(p) for p in approve_proba(model, X[start:end]))
        low = 0 if window is None else max(0, end - window)
        model = forest(request)
        started = time.perf_counter()
        model.fit(X[low:end], y[low:end])
        fit_ms += (time.perf_counter() - started) * 1000
        fits += 1
    return {"proba": proba, "fitMs": fit_ms, "fits": fits, "version": sklearn.__version__}


def run(request):
    task = request.get("task")
    try:
        if task == "fit":
            return fit(request)
        if task == "prequential":
            return prequential(request)
        if task == "batch":
            return {"answers": [run(r) for r in request["requests"]]}
        return {"error": f"unknown task {task!r}"}
    except Exception as error:  # reported to the benchmark, which prints it
        return {"error": f"{type(error).__name__}: {error}"}


def main():
    json.dump(run(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
