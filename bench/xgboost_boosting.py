"""XGBoost's gradient-boosted trees as the benchmark's second reference, driven over JSON.

The requests and answers are sklearn_forest.py's (the same fit, test-then-train and batch tasks),
so both references are scored on the same rows with the same protocol.
When xgboost is missing: {"skipped": "<reason>"}.

Settings: `tree_method="hist"` (xgboost's fast histogram split search), one boosting round per
tree of the request (100) and the forest's max_depth (10) rather than xgboost's default of 6, so
the fit times compare trees of the same size; learning rate and the rest at xgboost's defaults,
all cores (xgboost's default thread count), the request's seed. Rows are weighted as
scikit-learn's `class_weight="balanced"` weights them, as the forest is. The native API
(`xgboost.train`) is used, so this reference does not need scikit-learn.
"""
import json
import sys

from sklearn_forest import np, serve

try:
    import xgboost
except ImportError as error:  # a stated skip, not a failure
    print(json.dumps({"skipped": f"xgboost is not installed ({error})"}))
    sys.exit(0)


def balanced_weights(y):
    """scikit-learn's "balanced" class weights per row: n / (classes present × rows of the class)."""
    classes, counts = np.unique(y, return_counts=True)
    per_class = dict(zip(classes.tolist(), (len(y) / (len(classes) * counts)).tolist()))
    return np.array([per_class[label] for label in y.tolist()], dtype=np.float64)


class XgboostBoosting:
    """Unfitted boosted trees with the request's settings."""

    def __init__(self, request):
        self.rounds = request.get("trees", 100)
        self.params = {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "max_depth": request.get("maxDepth", 10),
            "seed": request.get("seed", 1),
            "verbosity": 0,
        }
        self.booster = None

    def fit(self, X, y):
        # Building the DMatrix is part of the fit, as scikit-learn's input checks are part of its.
        train = xgboost.DMatrix(X, label=y, weight=balanced_weights(y))
        self.booster = xgboost.train(self.params, train, num_boost_round=self.rounds)

    def approve_proba(self, X):
        return self.booster.predict(xgboost.DMatrix(X))


if __name__ == "__main__":
    serve(XgboostBoosting, xgboost.__version__)
