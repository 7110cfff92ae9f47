"""The evaluation report's figure: head-pose tracks (generated vs real) and mouth opening against the speech envelope."""

from __future__ import annotations

import numpy as np
from PIL import Image


def _z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    sd = np.nanstd(x)
    return (x - np.nanmean(x)) / (sd if sd > 0 else 1.0)


def evaluation_figure(real_pose: np.ndarray, poses: dict[str, np.ndarray], mouths: dict[str, np.ndarray],
                      envelope: np.ndarray, fps: float = 25.0) -> Image.Image:
    """Three pose panels (pitch, yaw, roll in degrees: the real track and each of `poses`) and one panel of
    standardized mouth opening per row over the standardized speech envelope."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.arange(len(real_pose)) / fps
    fig, axes = plt.subplots(4, 1, figsize=(10, 9), sharex=True)
    for k, name in enumerate(("pitch", "yaw", "roll")):
        axes[k].plot(t, np.degrees(real_pose[:, k]), label="real", color="black")
        for row, pose in poses.items():
            axes[k].plot(t, np.degrees(pose[:, k]), label=row)
        axes[k].set_ylabel(f"{name} (°)")
    axes[0].legend(loc="upper right")
    axes[3].plot(t, _z(envelope), label="speech envelope (1–3 kHz)", color="0.7")
    for name, mouth in mouths.items():
        axes[3].plot(t, _z(mouth), label=f"mouth opening: {name}")
    axes[3].set_ylabel("z-score")
    axes[3].set_xlabel("seconds after the training part")
    axes[3].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.canvas.draw()
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    return image
