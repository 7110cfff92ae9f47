"""Refinement nodes: train the memory-augmented GAN on the person's blended training frames, refine the held-out
blends, and measure refined vs blended against the real crops (PSNR, SSIM at the preset's size).

Two held-out protocols are measured. `matched`: the render over a pose-matched *training* background, as generation
does it; hair, neck and room come from another moment, which caps PSNR near 17 dB whatever the face looks like.
`own`: the held-out render over its own frame's crop (built exactly as the GAN's training inputs), so refined vs
blended isolates what the GAN does to the face.

`refinement.train: auto` (default) trains nothing where `generate`'s path never uses the GAN (`synthesis.gate`): the
stage then records the blended path, refines nothing and reports the blended frames only.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from phadtf_kedro.face.blend import composite
from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.metrics.image import at_size, mean_ssim, psnr
from phadtf_kedro.synthesis.gate import decide, gan_trained, refine_native, untrained, validation_split
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.models.refinement_gan import GANConfig, RefinementGAN, refine_frames
from phadtf_kedro.training.refinement import GANTrainConfig, train_gan

logger = logging.getLogger(__name__)


def train_refinement_gan(blended_train: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                         resume_path: Path, network: dict[str, Any], params: dict[str, Any],
                         gate: dict[str, Any], train: str, generate: dict[str, Any]) -> tuple:
    """The GAN trained on (blended training frame triples → real crop), the gate's validation stretch left out;
    returns the model and per-epoch losses. Where `generate`'s path cannot use it (`train: auto`), the untrained
    model and no losses."""
    config = GANConfig(**network)
    if not gan_trained(train, generate):
        logger.info("refinement: GAN not trained (%s)", untrained(generate)["reason"])
        return RefinementGAN(config), {}
    fit, _ = validation_split(len(blended_train["frames"]), gate["validation_fraction"], gate["min_frames"])
    frames, blended = blended_train["frames"][fit], blended_train["blended"][fit]
    cfg = config_from_params(GANTrainConfig, params)
    model = RefinementGAN(config)
    history: dict[str, list] = {}

    real = face_crops["crops"][frames]
    picks = np.linspace(1, len(frames) - 2, 4).round().astype(int)

    def on_epoch(epoch: int, losses: dict) -> None:
        for k, v in losses.items():
            history.setdefault(k, []).append({"value": v, "step": epoch})
        if mlflow.active_run() is not None and (epoch % params["sample_every"] == 0 or epoch == cfg.epochs):
            sample_grid(model, blended, real, picks, epoch)

    which = {"frames": [int(len(frames)), int(frames[0]), int(frames[-1])]}  # a new split retrains
    train_gan(model, blended, real, cfg, resume_path, meta=which, on_epoch=on_epoch)
    return model, history


def gate_refinement(refinement_gan: RefinementGAN, blended_train: dict[str, np.ndarray],
                    face_crops: dict[str, np.ndarray], gate: dict[str, Any], train: str,
                    generate: dict[str, Any]) -> tuple[dict, dict]:
    """Refined or blended: which path this person's videos take, judged on the training frames the GAN left out."""
    if not gan_trained(train, generate):
        return untrained(generate), {"uses_gan": {"value": 0.0, "step": 0}}
    _, val = validation_split(len(blended_train["frames"]), gate["validation_fraction"], gate["min_frames"])
    blended = blended_train["blended"][val]
    decision = decide(refine_native(refinement_gan, blended), blended, face_crops["crops"][blended_train["frames"][val]])
    figures = {k: v for k, v in decision.items() if isinstance(v, float)}
    metrics = {k: {"value": float(v), "step": 0} for k, v in figures.items()}
    metrics["uses_gan"] = {"value": float(decision["path"] == "refined"), "step": 0}
    return decision, metrics


def sample_grid(model: RefinementGAN, blended: np.ndarray, real: np.ndarray, picks: np.ndarray, epoch: int) -> None:
    """blended | refined | real for a few fixed training frames, logged to MLflow as refinement/samples/epoch_NNN.png:
    how the GAN's output develops while it trains."""
    size = model.config.size
    refined = refine_frames(model, blended, picks)
    small_blended, small_real = at_size(blended[picks], size), at_size(real[picks], size)
    sheet = comparison_sheet([[small_blended[k], refined[k], small_real[k]] for k in range(len(picks))],
                             ["blended", "refined", "real"], [int(i) for i in picks])
    mlflow.log_image(sheet, f"refinement/samples/epoch_{epoch:03d}.png")
    model.train()


def refine_heldout(refinement_gan: RefinementGAN, blended_heldout: dict[str, np.ndarray],
                   face_renders: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                   blending: dict[str, Any], refinement_gate: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every held-out frame refined under both protocols (its neighbours in the held-out sequence as context); an
    untrained GAN (see `train_refinement_gan`) refines nothing: `refined` is then the blended frames."""
    blended, frames = blended_heldout["blended"], blended_heldout["frames"]
    trained = np.bool_(refinement_gate.get("trained", True))
    if len(blended) == 0:
        size = blended.shape[1]
        empty = np.zeros((0, size, size, 3), np.uint8)
        return {"refined": empty, "frames": frames, "blended_own": empty, "refined_own": empty, "trained": trained}
    own = np.stack([composite(face_renders["rgba"][t], face_crops["crops"][t], blending["erode_px"],
                              blending["feather_sigma"]) for t in frames])
    refine = (lambda x: refine_native(refinement_gan, x)) if trained else (lambda x: x)
    return {"refined": refine(blended), "frames": frames, "blended_own": own, "refined_own": refine(own),
            "trained": trained}


def refinement_report(refined_heldout: dict[str, np.ndarray], blended_heldout: dict[str, np.ndarray],
                      face_crops: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[dict, dict, Any]:
    """Held-out PSNR and SSIM of the refined and of the blended frames vs the real crops, at the crops' size (the
    GAN's correction added to the blended frame, as generation does)."""
    refined, frames = refined_heldout["refined"], refined_heldout["frames"]
    if len(frames) == 0:
        return {"heldout_frames": 0}, {}, comparison_sheet([[face_crops["crops"][0]]], ["no held-out frames"], [0])
    size = refined.shape[1]
    real = at_size(face_crops["crops"][frames], size)
    blended = at_size(blended_heldout["blended"], size)
    own = at_size(refined_heldout["blended_own"], size)
    figures = {"blended_psnr": psnr(blended, real), "blended_ssim": mean_ssim(blended, real),
               "own_blended_psnr": psnr(own, real), "own_blended_ssim": mean_ssim(own, real),
               "heldout_frames": int(len(frames)), "size": size}
    trained = bool(refined_heldout.get("trained", True))
    if trained:
        figures |= {"refined_psnr": psnr(refined, real), "refined_ssim": mean_ssim(refined, real),
                    "own_refined_psnr": psnr(refined_heldout["refined_own"], real),
                    "own_refined_ssim": mean_ssim(refined_heldout["refined_own"], real)}
    picks = np.linspace(0, len(frames) - 1, min(params["contact_sheet_frames"], len(frames))).round().astype(int)
    columns = {"blended": blended, "refined": refined, "own bg": own, "own refined": refined_heldout["refined_own"],
               "real": real}
    if not trained:  # nothing refined: the refined columns would repeat the blended ones
        columns = {k: v for k, v in columns.items() if "refined" not in k}
    sheet = comparison_sheet([[v[i] for v in columns.values()] for i in picks], list(columns),
                             [int(frames[i]) for i in picks])
    metrics = {k: {"value": float(v), "step": 0} for k, v in figures.items()}
    return {**figures, "gan_trained": trained}, metrics, sheet
