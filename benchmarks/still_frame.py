"""Why the `static` row can win PSNR/SSIM: per-frame figures over the first K held-out frames and over the rest.

`static` holds the last training frame, which is the neighbour of the first held-out frames; while the real person
stays near that frame it is nearly a copy of them. This splits every row's per-frame PSNR and SSIM (the evaluation's
own metrics, on its face crops: `evaluation_frames`) at held-out frame K, so a reader can see where each row wins.
Prints figures; never fails on them.

    python benchmarks/still_frame.py --project benchmarks/results/quality/project --person 31 --first 25 90
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from bench import load_npz

from phadtf_kedro.evaluation.plan import ROWS
from phadtf_kedro.metrics.image import frame_mses, ssim


def per_frame(frames: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(PSNR dB, SSIM) of every frame against its real frame; a frame equal to its real one has PSNR NaN (left out of
    the means, as the evaluation's per-frame PSNR leaves it out)."""
    mse = frame_mses(frames, real)
    with np.errstate(divide="ignore"):
        psnr = np.where(mse > 0, 10.0 * np.log10(255.0 ** 2 / mse), np.nan)
    return psnr, np.array([ssim(f, r) for f, r in zip(frames, real)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="a project whose evaluation pipeline has run")
    parser.add_argument("--person", default="31")
    parser.add_argument("--first", type=int, nargs="+", default=[25, 90], help="split points K (held-out frames)")
    args = parser.parse_args()
    frames = load_npz(Path(args.project) / "data" / "07_model_output" / args.person / "evaluation" / "frames.npz")
    real = frames["real"]
    scores, computed = {}, {}
    for row in (r for r in ROWS if r != "real" and r in frames):
        same = next((done for done in computed if np.array_equal(frames[done], frames[row])), None)
        if same is None:
            computed[row] = scores[row] = per_frame(frames[row], real)
        else:  # e.g. `blended` when the gate kept the blended path: the same frames as `ours`
            scores[f"{row} (= {same})"] = computed[same]
    for k in args.first:
        print(f"\n{args.person}: PSNR dB / SSIM per frame, held-out frames 0-{k - 1} | {k}-{len(real) - 1} | all")
        for row, (p, s) in scores.items():
            parts = [f"{np.nanmean(p[cut]):6.2f} / {s[cut].mean():.3f}" for cut in (slice(0, k), slice(k, None),
                                                                                   slice(None))]
            print(f"{row:<18} " + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main()
