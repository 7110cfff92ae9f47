"""The mouth's model: a ridge (L2-regularised linear) map from speaker-normalised MFCC windows to the 52 expression
blendshapes, general over the corpus and personalised by the person's own training frames, in closed form.

Why not ATCNet's expression: with the corpus this project can ship (12 clips, 1547 frames), the CNN + LSTM's
held-out mouth correlation on the validation speakers swings with the seed (jawOpen r 0.67 with seed 0, 0.07 with
seed 1, on the same speaker) and stays near the mean on most of them. A linear map over cepstral-mean-and-variance-
normalised (CMVN, per utterance: the standard removal of speaker and channel offsets) windows is a convex problem
with one answer and measured better on those speakers (`benchmarks/expression_models.py`, docs/quality.md).
ATCNet still gives the head pose; `audio_motion.expression.model: atcnet` gives it the expression back.

General + personal: every training clip enters as weighted sufficient statistics (Σw, Σwx, Σwy, Σwxxᵀ, Σwxyᵀ) of
its normalised features and of its targets centred on its own mean (a speaker's resting face is theirs alone).
The corpus' statistics are shipped as an asset of a few hundred KB (made and reproduced by `train_general`); the
person's training frames are added with `own_weight` and the system is solved once, and the person's mean
expression is the intercept. The solution is that of scikit-learn's `Ridge(alpha).fit(X, Y, sample_weight=w)` on
those centred targets (intercept by weighted centring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import uniform_filter1d

from phadtf_kedro.errors import PhadtfError

STATISTICS = ("weight", "sum_x", "sum_y", "sum_xx", "sum_xy")


def speech_features(windows: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """(T, 28, 12) MFCC windows of one utterance → (T, (hi − lo)·12): rows lo…hi−1 of every window, each cepstral
    coefficient normalised to zero mean and unit variance over the utterance (CMVN)."""
    lo, hi = int(rows[0]), int(rows[1])
    cut = np.asarray(windows, np.float64)[:, lo:hi]
    if len(cut) == 0:
        return np.zeros((0, (hi - lo) * cut.shape[-1]))
    mean, std = cut.mean(axis=(0, 1)), cut.std(axis=(0, 1))
    return ((cut - mean) / np.where(std > 1e-8, std, 1.0)).reshape(len(cut), -1)


def ridge_statistics(windows: Sequence[np.ndarray], targets: Sequence[np.ndarray], rows: Sequence[int],
                     weight: float = 1.0, valid: Sequence[np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Weighted sufficient statistics of utterances (each (T, 28, 12) windows with (T, K) expression targets); only
    the `valid` frames of each (where the face was tracked) count, CMVN is over the whole utterance. Targets are
    centred on each utterance's own mean, as the features are: what is learned is how the face moves around its
    resting expression, never another person's resting expression (the caller adds the person's own mean)."""
    if not windows:
        raise PhadtfError("ridge statistics: no utterance to learn from")
    keep = [np.ones(len(w), bool) for w in windows] if valid is None else [np.asarray(v, bool) for v in valid]
    x = np.concatenate([speech_features(w, rows)[k] for w, k in zip(windows, keep)])
    y = np.concatenate([np.asarray(t, np.float64)[k] - np.asarray(t, np.float64)[k].mean(axis=0)
                        for t, k in zip(targets, keep)])
    return feature_statistics(x, y, rows, weight)


def feature_statistics(x: np.ndarray, y: np.ndarray, rows: Sequence[int],
                       weight: float = 1.0) -> dict[str, np.ndarray]:
    """The weighted sufficient statistics of (N, D) features and (N, K) targets (already normalised and centred, as
    `ridge_statistics` makes them), labelled with the MFCC `rows` they came from."""
    return {"weight": np.array(weight * len(x)), "sum_x": weight * x.sum(0), "sum_y": weight * y.sum(0),
            "sum_xx": weight * x.T @ x, "sum_xy": weight * x.T @ y, "rows": np.array(rows, np.int64)}


def add_statistics(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Statistics of both sets of utterances together (same feature rows)."""
    if list(a["rows"]) != list(b["rows"]) or a["sum_xy"].shape != b["sum_xy"].shape:
        raise PhadtfError(f"ridge statistics of other features: MFCC rows {list(a['rows'])} vs {list(b['rows'])}, "
                          f"shapes {a['sum_xy'].shape} vs {b['sum_xy'].shape}")
    return {**{k: a[k] + b[k] for k in STATISTICS}, "rows": a["rows"]}


def fit_ridge(stats: dict[str, np.ndarray], alpha: float, smooth: int = 1,
              resting: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The regressor {coef (D, K), intercept (K,), rows, smooth} minimising Σ w‖y − xW − b‖² + α‖W‖² over the
    (utterance-centred) targets; `resting`, the person's own mean expression, is added to the intercept."""
    n = float(stats["weight"])
    if n <= 0:
        raise PhadtfError("ridge statistics: zero total weight")
    mx, my = stats["sum_x"] / n, stats["sum_y"] / n
    cxx = stats["sum_xx"] - n * np.outer(mx, mx)
    cxy = stats["sum_xy"] - n * np.outer(mx, my)
    coef = np.linalg.solve(cxx + alpha * np.eye(len(cxx)), cxy)
    intercept = my - mx @ coef + (0.0 if resting is None else np.asarray(resting, np.float64))
    return {"model": np.array("ridge"), "coef": coef.astype(np.float32), "intercept": intercept.astype(np.float32),
            "rows": np.asarray(stats["rows"], np.int64), "smooth": np.array(int(smooth)),
            "alpha": np.array(alpha)}


def predict_ridge(regressor: dict[str, np.ndarray], windows: np.ndarray) -> np.ndarray:
    """(T, 28, 12) windows of one utterance → (T, K) expression, smoothed over `smooth` frames."""
    x = speech_features(windows, regressor["rows"])
    out = x @ regressor["coef"].astype(np.float64) + regressor["intercept"]
    size = int(regressor["smooth"])
    if size > 1 and len(out):
        out = uniform_filter1d(out, size, axis=0, mode="nearest")
    return out.astype(np.float32)


def uses_ridge(regressor: dict[str, np.ndarray]) -> bool:
    """Whether the person's expression model is a ridge regressor (else the `model: atcnet` marker)."""
    return str(regressor.get("model", "atcnet")) == "ridge"


def with_ridge_expression(predicted: np.ndarray, regressor: dict[str, np.ndarray],
                          windows: np.ndarray) -> np.ndarray:
    """ATCNet's (T, K + 6) expression | pose with the expression replaced by the regressor's, when the person's model
    is one (`model: ridge`); unchanged for `model: atcnet`. `windows`: the same utterance's (T, 28, 12) windows."""
    if not uses_ridge(regressor):
        return predicted
    expression = predict_ridge(regressor, windows)
    out = np.array(predicted, np.float32, copy=True)
    out[:, :expression.shape[1]] = expression
    return out
