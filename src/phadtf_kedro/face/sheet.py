"""Contact sheets: a grid of evenly spaced crops with their landmarks drawn, for a quick visual check in MLflow."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image


def contact_sheet(crops: np.ndarray, landmarks: np.ndarray | None = None, n: int = 8, columns: int = 4) -> Image.Image:
    """Evenly spaced frames of (T, S, S, 3) `crops`, landmarks (T, N, ≥2) drawn as dots, frame index in the corner."""
    idx = np.linspace(0, len(crops) - 1, min(n, len(crops))).round().astype(int)
    tiles = []
    for t in idx:
        tile = np.ascontiguousarray(crops[t]).copy()
        if landmarks is not None and not np.isnan(landmarks[t]).any():
            for x, y in landmarks[t][:, :2]:
                cv2.circle(tile, (int(round(x)), int(round(y))), 1, (0, 255, 0), -1, cv2.LINE_AA)
        cv2.putText(tile, f"t={t}", (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    rows = (len(tiles) + columns - 1) // columns
    blank = np.zeros_like(tiles[0])
    tiles += [blank] * (rows * columns - len(tiles))
    grid = np.vstack([np.hstack(tiles[r * columns:(r + 1) * columns]) for r in range(rows)])
    return Image.fromarray(grid)


def comparison_sheet(rows: list[list[np.ndarray]], labels: list[str], frame_ids: list[int]) -> Image.Image:
    """One row per frame of equally sized RGB uint8 tiles (e.g. real | render | overlay), labelled."""
    lines = []
    for tiles, t in zip(rows, frame_ids):
        tiles = [np.ascontiguousarray(tile).copy() for tile in tiles]
        for tile, label in zip(tiles, labels):
            cv2.putText(tile, f"{label} t={t}", (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1,
                        cv2.LINE_AA)
        lines.append(np.hstack(tiles))
    return Image.fromarray(np.vstack(lines))
