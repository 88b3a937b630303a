"""Linear models over sparse binary features, scored with numpy: what `make train` fits (scikit-learn)
and the worker runs (no scikit-learn at run time)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    """`weights[f]` is the row of feature f over `classes`; `multiclass` picks softmax, else sigmoids."""

    classes: tuple[str, ...]
    index: Mapping[str, int]
    weights: np.ndarray      # (n_features, n_classes), float32
    bias: np.ndarray         # (n_classes,)
    multiclass: bool
    dense: np.ndarray | None = None        # (n_dense, n_classes): weights of standardised dense inputs
    dense_mean: np.ndarray | None = None
    dense_scale: np.ndarray | None = None

    def scores(self, features: Iterable[str], vector: np.ndarray | None = None) -> np.ndarray:
        rows = [self.index[f] for f in set(features) if f in self.index]
        s = self.bias.astype(np.float64).copy()
        if rows:
            s += self.weights[rows].sum(axis=0)
        if self.dense is not None and vector is not None:
            s += ((vector - self.dense_mean) / self.dense_scale) @ self.dense
        return s

    def proba(self, features: Iterable[str], vector: np.ndarray | None = None) -> np.ndarray:
        s = self.scores(features, vector)
        if self.multiclass:
            e = np.exp(s - s.max())
            return e / e.sum()
        return 1.0 / (1.0 + np.exp(-s))

    def to_json(self) -> dict:
        names = sorted(self.index, key=lambda n: self.index[n])
        out = {"classes": list(self.classes), "multiclass": self.multiclass,
               "bias": [round(float(b), 5) for b in self.bias],
               "features": {n: [round(float(w), 5) for w in self.weights[self.index[n]]] for n in names}}
        if self.dense is not None:
            assert self.dense_mean is not None and self.dense_scale is not None
            out["dense"] = {"weights": np.round(self.dense, 5).tolist(),
                            "mean": np.round(self.dense_mean, 5).tolist(),
                            "scale": np.round(self.dense_scale, 5).tolist()}
        return out

    @classmethod
    def from_json(cls, obj: Mapping) -> LinearModel:
        names = list(obj["features"])
        classes = tuple(obj["classes"])
        w = np.array([obj["features"][n] for n in names], dtype=np.float32).reshape(len(names), len(classes))
        dense = obj.get("dense")
        return cls(classes, {n: i for i, n in enumerate(names)}, w,
                   np.array(obj["bias"], dtype=np.float32), bool(obj["multiclass"]),
                   *((np.array(dense[k], dtype=np.float32) for k in ("weights", "mean", "scale"))
                     if dense else (None, None, None)))
