"""Refinement nodes: train the memory-augmented GAN on the person's blended training frames, refine the held-out
blends, and measure refined vs blended against the real crops (PSNR, SSIM at the preset's size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.metrics.image import psnr, ssim
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.refinement import GANConfig, GANTrainConfig, RefinementGAN, refine_frames, train_gan


def train_refinement_gan(blended_train: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                         resume_path: Path, network: dict[str, Any], params: dict[str, Any]) -> tuple:
    """The GAN trained on (blended training frame triples → real crop); returns the model and per-epoch losses."""
    frames = blended_train["frames"]
    config = GANConfig(**network)
    cfg = config_from_params(GANTrainConfig, params)
    model = RefinementGAN(config)
    history: dict[str, list] = {}

    def on_epoch(epoch: int, losses: dict) -> None:
        for k, v in losses.items():
            history.setdefault(k, []).append({"value": v, "step": epoch})

    train_gan(model, blended_train["blended"], face_crops["crops"][frames], cfg, resume_path, on_epoch=on_epoch)
    return model, history


def refine_heldout(refinement_gan: RefinementGAN, blended_heldout: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every held-out blended frame refined (its neighbours in the held-out sequence as context)."""
    blended = blended_heldout["blended"]
    if len(blended) == 0:
        size = refinement_gan.config.size
        return {"refined": np.zeros((0, size, size, 3), np.uint8), "frames": blended_heldout["frames"]}
    return {"refined": refine_frames(refinement_gan, blended, np.arange(len(blended))),
            "frames": blended_heldout["frames"]}


def refinement_report(refined_heldout: dict[str, np.ndarray], blended_heldout: dict[str, np.ndarray],
                      face_crops: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[dict, dict, Any]:
    """Held-out PSNR and SSIM of the refined and of the blended frames vs the real crops, at the GAN's size."""
    refined, frames = refined_heldout["refined"], refined_heldout["frames"]
    if len(frames) == 0:
        return {"heldout_frames": 0}, {}, comparison_sheet([[face_crops["crops"][0]]], ["no held-out frames"], [0])
    size = refined.shape[1]
    shrink = lambda im: cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA)  # noqa: E731
    real = np.stack([shrink(c) for c in face_crops["crops"][frames]])
    blended = np.stack([shrink(b) for b in blended_heldout["blended"]])
    figures = {"refined_psnr": psnr(refined, real), "blended_psnr": psnr(blended, real),
               "refined_ssim": float(np.mean([ssim(a, b) for a, b in zip(refined, real)])),
               "blended_ssim": float(np.mean([ssim(a, b) for a, b in zip(blended, real)])),
               "heldout_frames": int(len(frames)), "size": size}
    picks = np.linspace(0, len(frames) - 1, min(params["contact_sheet_frames"], len(frames))).round().astype(int)
    sheet = comparison_sheet([[blended[i], refined[i], real[i]] for i in picks], ["blended", "refined", "real"],
                             [int(frames[i]) for i in picks])
    return figures, {k: {"value": float(v), "step": 0} for k, v in figures.items()}, sheet
