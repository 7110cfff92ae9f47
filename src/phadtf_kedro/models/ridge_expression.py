"""The mouth's model: a kernel ridge map from speaker-normalised MFCC windows to the 52 expression blendshapes,
general over the corpus and personalised by the person's own training frames, in closed form.

Why not ATCNet's expression: with the corpus this project can ship (12 clips, 1547 frames), the CNN + LSTM's
held-out mouth correlation on the validation speakers swings with the seed (jawOpen r 0.67 with seed 0, 0.07 with
seed 1, on the same speaker) and stays near the mean on most of them. A ridge over cepstral-mean-and-variance-
normalised (CMVN, per utterance: the standard removal of speaker and channel offsets) windows is a convex problem
with one answer and measured better on those speakers (`benchmarks/expression_models.py`, docs/quality.md).
ATCNet still gives the head pose; `audio_motion.expression.model: atcnet` gives it the expression back.

The kernel is linear + `rbf_weight` × RBF(σ): the linear map plus a smooth nonlinear correction (how far the jaw
drops is not linear in the cepstrum); `rbf_weight: 0` is the plain linear ridge. Solved in its dual form by
scikit-learn's `KernelRidge` (precomputed kernel, sample weights), around weighted means so the intercept is not
penalised, as `Ridge(alpha).fit(X, Y, sample_weight=w)` does for the linear kernel.

General + personal: the corpus enters as its frames (normalised features, targets centred on each clip's own mean:
a speaker's resting face is theirs alone), shipped as an asset of about 2 MB (made and reproduced by
`train_general`); the person's training frames join with `own_weight`, the system is solved once, and the person's
mean expression is the intercept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics.pairwise import rbf_kernel

from phadtf_kedro.errors import PhadtfError

PREDICT_CHUNK = 500  # frames (20 s of speech) whose kernel rows are formed at once


def speech_features(windows: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """(T, 28, 12) MFCC windows of one utterance → (T, (hi − lo)·12): rows lo…hi−1 of every window, each cepstral
    coefficient normalised to zero mean and unit variance over the utterance (CMVN)."""
    lo, hi = int(rows[0]), int(rows[1])
    cut = np.asarray(windows, np.float64)[:, lo:hi]
    if len(cut) == 0:
        return np.zeros((0, (hi - lo) * cut.shape[-1]))
    mean, std = cut.mean(axis=(0, 1)), cut.std(axis=(0, 1))
    return ((cut - mean) / np.where(std > 1e-8, std, 1.0)).reshape(len(cut), -1)


def utterance_frames(windows: Sequence[np.ndarray], targets: Sequence[np.ndarray], rows: Sequence[int],
                     valid: Sequence[np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Utterances (each (T, 28, 12) windows with (T, K) expression targets) → their frames to learn from:
    {features (N, D), targets (N, K), rows}. Only the `valid` frames (where the face was tracked) count, CMVN is over
    the whole utterance, and targets are centred on each utterance's own mean, as the features are: what is learned
    is how the face moves around its resting expression (the caller adds the person's own mean)."""
    if not windows:
        raise PhadtfError("expression ridge: no utterance to learn from")
    keep = [np.ones(len(w), bool) for w in windows] if valid is None else [np.asarray(v, bool) for v in valid]
    x = np.concatenate([speech_features(w, rows)[k] for w, k in zip(windows, keep)])
    y = np.concatenate([np.asarray(t, np.float64)[k] - np.asarray(t, np.float64)[k].mean(axis=0)
                        for t, k in zip(targets, keep)])
    return {"features": x.astype(np.float32), "targets": y.astype(np.float32), "rows": np.array(rows, np.int64)}


def expression_kernel(a: np.ndarray, b: np.ndarray, rbf_weight: float, sigma: float) -> np.ndarray:
    """k(a, b) = a·b + rbf_weight · exp(−‖a − b‖² / 2σ²) between the rows of a and of b."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    gram = a @ b.T
    if rbf_weight > 0:
        gram += rbf_weight * rbf_kernel(a, b, gamma=0.5 / sigma**2)
    return gram


def fit_ridge(frames: Sequence[dict[str, np.ndarray]], weights: Sequence[float], alpha: float, rbf_weight: float = 0.0,
              sigma: float = 20.0, smooth: int = 1, resting: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The regressor minimising Σ w‖y − f(x) − b‖² + α‖f‖² over sets of frames (each from `utterance_frames`, every
    frame of set i weighted weights[i]), f in the kernel's space and b free; `resting`, the person's own mean
    expression, is added to the intercept. Prediction is kernel(x, support) @ dual + intercept."""
    frames, weights = zip(*[(f, w) for f, w in zip(frames, weights) if w > 0 and len(f["features"])]) or ((), ())
    if not frames:
        raise PhadtfError("expression ridge: no frame with a positive weight to learn from")
    rows = [list(map(int, f["rows"])) for f in frames]
    if any(r != rows[0] for r in rows):
        raise PhadtfError(f"expression ridge: frames of other MFCC rows {rows}")
    x = np.concatenate([f["features"] for f in frames]).astype(np.float32)
    y = np.concatenate([f["targets"] for f in frames]).astype(np.float64)
    w = np.concatenate([np.full(len(f["features"]), wt, np.float64) for f, wt in zip(frames, weights)])
    share = w / w.sum()
    gram = expression_kernel(x, x, rbf_weight, sigma)
    mean_row = gram @ share  # the weighted mean of every support frame's kernel row
    grand = float(share @ mean_row)
    centred = gram - mean_row[:, None] - mean_row[None, :] + grand
    y_mean = share @ y
    dual = KernelRidge(alpha=alpha, kernel="precomputed").fit(centred, y - y_mean, sample_weight=w).dual_coef_
    dual_sum = dual.sum(axis=0)
    # fold the centring of a new frame's kernel row into the dual and the intercept
    intercept = y_mean - mean_row @ dual + grand * dual_sum
    if resting is not None:
        intercept = intercept + np.asarray(resting, np.float64)
    return {"model": np.array("ridge"), "support": x, "dual": dual - np.outer(share, dual_sum),
            "intercept": intercept, "rows": np.array(rows[0], np.int64), "smooth": np.array(int(smooth)),
            "alpha": np.array(alpha), "rbf_weight": np.array(float(rbf_weight)), "sigma": np.array(float(sigma))}


def predict_ridge(regressor: dict[str, np.ndarray], windows: np.ndarray) -> np.ndarray:
    """(T, 28, 12) windows of one utterance → (T, K) expression, smoothed over `smooth` frames. The kernel rows are
    formed PREDICT_CHUNK frames at a time, so memory does not grow with the speech's length beyond its features."""
    return _predict_features(regressor, speech_features(windows, regressor["rows"]))


def out_of_fold(general: dict[str, np.ndarray], windows: np.ndarray, expression: np.ndarray, params: dict,
                folds: int) -> np.ndarray:
    """(T, K) predictions of a person's training frames ((T, 28, 12) windows of one utterance, (T, K) expression),
    each of `folds` contiguous blocks predicted by the ridge fitted on the corpus and the *other* blocks: what the
    person's ridge gives on speech it was not fitted to. Its in-sample fit follows the person's own frames more
    closely (they weigh `own_weight`), so in-sample predictions overstate the spread new speech gets. `params`:
    audio_motion.expression (alpha, own_weight, rbf_weight, sigma, smooth). Features are normalised over the whole
    utterance, as for the person's ridge; each block's prediction is smoothed within the block."""
    rows, y = [int(r) for r in general["rows"]], np.asarray(expression, np.float64)
    x, t = speech_features(windows, rows), len(y)
    out = np.zeros_like(y)
    for lo, hi in fold_bounds(t, folds):
        keep = np.r_[0:lo, hi:t]
        own = {"features": x[keep].astype(np.float32), "targets": (y[keep] - y[keep].mean(axis=0)).astype(np.float32),
               "rows": np.array(rows, np.int64)}
        ridge = fit_ridge([general, own], [1.0, params["own_weight"]], params["alpha"], params["rbf_weight"],
                          params["sigma"], params["smooth"], y[keep].mean(axis=0))
        out[lo:hi] = _predict_features(ridge, x[lo:hi])
    return out


def fold_bounds(length: int, folds: int) -> list[tuple[int, int]]:
    """(start, end) of `folds` contiguous blocks of nearly equal size covering `length` frames."""
    bounds = np.linspace(0, length, folds + 1).round().astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _predict_features(regressor: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """predict_ridge on normalised features."""
    rbf_weight, sigma = float(regressor["rbf_weight"]), float(regressor["sigma"])
    out = np.concatenate([expression_kernel(x[i:i + PREDICT_CHUNK], regressor["support"], rbf_weight, sigma)
                          @ regressor["dual"] for i in range(0, len(x), PREDICT_CHUNK)] or
                         [np.zeros((0, len(regressor["intercept"])))]) + regressor["intercept"]
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
