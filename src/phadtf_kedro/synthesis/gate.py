"""The refinement gate: the GAN is used only where it makes frames better, judged on frames it never trained on.

After the GAN is fine-tuned, the last `validation_fraction` of the person's training frames (held back from the GAN's
training) are refined exactly as generation refines them (the GAN's correction added to the blended frame at the
crops' size, `synthesis.stream.with_correction`) and compared with the real crops. If the refined frames do not beat
the blended ones on both PSNR and SSIM, the person's videos take the blended path, and the reason is recorded; the
evaluation says which path it measured. The held-out frames the evaluation reports are never looked at here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phadtf_kedro.metrics.image import mean_ssim, psnr
from phadtf_kedro.synthesis.stream import refiner_used, with_correction
from phadtf_kedro.models.refinement_gan import RefinementGAN, refine_frames


def validation_split(count: int, fraction: float, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (0…count−1, in time order) the GAN trains on, and the final stretch it is validated on."""
    n_val = min(max(int(round(count * fraction)), minimum), max(count - 3, 0)) if fraction > 0 else 0
    return np.arange(count - n_val), np.arange(count - n_val, count)


def refine_native(gan: RefinementGAN, blended: np.ndarray) -> np.ndarray:
    """A consecutive (N, S, S, 3) blended sequence refined as generation does it, at size S."""
    if len(blended) == 0:
        return blended.copy()
    small = refine_frames(gan, blended, np.arange(len(blended)))
    return np.stack([with_correction(b, r) for b, r in zip(blended, small)])


def decide(refined: np.ndarray, blended: np.ndarray, real: np.ndarray) -> dict[str, Any]:
    """`path` "refined" when refining beats blending on both PSNR and SSIM against `real`, else "blended"."""
    if len(real) == 0:
        return {"path": "refined", "reason": "no validation frames: the GAN is used unchecked", "frames": 0}
    figures = {"refined_psnr": psnr(refined, real), "blended_psnr": psnr(blended, real),
               "refined_ssim": mean_ssim(refined, real), "blended_ssim": mean_ssim(blended, real)}
    wins = figures["refined_psnr"] > figures["blended_psnr"] and figures["refined_ssim"] > figures["blended_ssim"]
    verdict = ("refining beats blending" if wins else "refining loses to blending") + (
        f" on {len(real)} validation frames: PSNR {figures['refined_psnr']:.2f} vs {figures['blended_psnr']:.2f} dB, "
        f"SSIM {figures['refined_ssim']:.3f} vs {figures['blended_ssim']:.3f}")
    return {"path": "refined" if wins else "blended", "reason": verdict, "frames": int(len(real)), **figures}


TRAIN_MODES = ("auto", "always")


def gan_trained(train: str, generate: dict) -> bool:
    """`always`: the GAN is trained whatever the path; `auto`: only where `generate`'s path can use it."""
    if train not in TRAIN_MODES:
        raise ValueError(f"refinement.train is {train!r}: expected one of {TRAIN_MODES}")
    return train == "always" or refiner_used(generate)


def untrained(generate: dict) -> dict[str, Any]:
    """The gate's record when the GAN was not trained: the blended path, and why."""
    return {"path": "blended", "frames": 0, "trained": False,
            "reason": f"not trained: generate.lower_face is {generate['lower_face']!r}, the video's own lower face "
                      "moved to the new expression, which no refiner touches (refinement.train: always trains it)"}
