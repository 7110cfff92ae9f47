"""Figures for predicted motion against the tracked motion of the same frames."""

from __future__ import annotations

import numpy as np

from phadtf_kedro.metrics.sync import correlation


def motion_figures(predicted: np.ndarray, real: np.ndarray, n_expression: int, jaw_index: int) -> dict[str, float]:
    """Expression MSE (blendshape score units), pose angle RMSE (degrees, over pitch/yaw/roll), translation RMSE (cm),
    and the correlation of predicted with real jawOpen; predicted and real are (T, 52 + 6)."""
    expr_p, expr_r = predicted[:, :n_expression], real[:, :n_expression]
    ang = np.degrees(predicted[:, n_expression:n_expression + 3] - real[:, n_expression:n_expression + 3])
    trans = predicted[:, n_expression + 3:] - real[:, n_expression + 3:]
    jaw_p, jaw_r = predicted[:, jaw_index], real[:, jaw_index]
    return {
        "expression_mse": float(np.mean((expr_p - expr_r) ** 2)),
        "pose_rmse_deg": float(np.sqrt(np.mean(ang ** 2))),
        "translation_rmse_cm": float(np.sqrt(np.mean(trans ** 2))),
        "jaw_corr": correlation(jaw_p, jaw_r),
    }


def std_ratio(generated: np.ndarray, real: np.ndarray) -> float:
    """How lively a generated track is next to the real one: std generated ÷ std real (NaN frames dropped); 0 for
    a frozen track, 1 for the real amount of motion. NaN when the real track does not move."""
    g, r = np.asarray(generated, np.float64), np.asarray(real, np.float64)
    sd_real = np.nanstd(r)
    return float(np.nanstd(g) / sd_real) if sd_real > 0 else float("nan")
