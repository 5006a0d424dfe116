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
The protocol (`serve`) is shared with xgboost_boosting.py, so both references are scored alike.
"""
import json
import sys
import time

try:
    import numpy as np
except ImportError as error:  # a stated skip, not a failure (both references need numpy)
    print(json.dumps({"skipped": f"numpy is not installed ({error})"}))
    sys.exit(0)


class SklearnForest:
    """An unfitted forest with the request's settings."""

    def __init__(self, request):
        from sklearn.ensemble import RandomForestClassifier

        self.model = RandomForestClassifier(
            n_estimators=request.get("trees", 100),
            max_depth=request.get("maxDepth", 10),
            class_weight="balanced",
            n_jobs=-1,
            random_state=request.get("seed", 1),
        )

    def fit(self, X, y):
        self.model.fit(X, y)

    def approve_proba(self, X):
        proba = self.model.predict_proba(X)
        classes = list(self.model.classes_)
        if 1 in classes:
            return proba[:, classes.index(1)]
        return np.zeros(len(X))


def fit(request, new_model, version):
    X = np.asarray(request["X"], dtype=np.float64)
    y = np.asarray(request["y"], dtype=np.int64)
    times = []
    for _ in range(request.get("repeats", 1)):
        model = new_model(request)
        started = time.perf_counter()
        model.fit(X, y)
        times.append((time.perf_counter() - started) * 1000)
    return {"fitMs": times, "version": version}


def prequential(request, new_model, version):
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
            proba.extend(float(p) for p in model.approve_proba(X[start:end]))
        low = 0 if window is None else max(0, end - window)
        model = new_model(request)
        started = time.perf_counter()
        model.fit(X[low:end], y[low:end])
        fit_ms += (time.perf_counter() - started) * 1000
        fits += 1
    return {"proba": proba, "fitMs": fit_ms, "fits": fits, "version": version}


def run(request, new_model, version):
    task = request.get("task")
    try:
        if task == "fit":
            return fit(request, new_model, version)
        if task == "prequential":
            return prequential(request, new_model, version)
        if task == "batch":
            return {"answers": [run(r, new_model, version) for r in request["requests"]]}
        return {"error": f"unknown task {task!r}"}
    except Exception as error:  # reported to the benchmark, which prints it
        return {"error": f"{type(error).__name__}: {error}"}


def serve(new_model, version):
    """Answers the request on stdin; new_model(request) is an unfitted model with fit and approve_proba."""
    json.dump(run(json.load(sys.stdin), new_model, version), sys.stdout)


def main():
    try:
        import sklearn
        import sklearn.ensemble  # noqa: F401  (imported here so a broken install is a skip)
    except ImportError as error:  # a stated skip, not a failure
        print(json.dumps({"skipped": f"scikit-learn is not installed ({error})"}))
        return
    serve(SklearnForest, sklearn.__version__)


if __name__ == "__main__":
    main()
