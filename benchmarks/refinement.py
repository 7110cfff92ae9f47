"""Refinement GAN: fine-tune wall time of the `small` preset and refinement speed on a real clip.

Preprocessing, reconstruction, rendering and blending run first (tiny preset, untimed). Then the GAN is trained with
the base (`small`) parameters on the person's 300 blended training frames (target: the full schedule ≤ 12 min on the
2-core CPU machine; `--epochs` shortens it and the script extrapolates), and held-out frames are refined at the GAN's
size (target ≥ 40 frames/s at 128²). Never fails on time.

    python benchmarks/refinement.py [--video path.mp4] [--epochs N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench import VIDEO_31, base_params, load_npz, project_with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(VIDEO_31))
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of the preset's")
    args = parser.parse_args()
    from phadtf_kedro.pipelines.refinement import nodes
    from phadtf_kedro.models.refinement_gan import refine_frames

    params = base_params("refinement")
    schedule = params["training"]["epochs"]
    training = {**params["training"], "epochs": args.epochs or schedule, "sample_every": 10 ** 9}
    with tempfile.TemporaryDirectory() as tmp:
        project = project_with(Path(tmp), Path(args.video), ["preprocessing", "reconstruction", "rendering", "blending"])
        blended = load_npz(project / "data" / "05_model_input" / "bench" / "blended_train.npz")
        heldout = load_npz(project / "data" / "05_model_input" / "bench" / "blended_heldout.npz")
        crops = load_npz(project / "data" / "02_intermediate" / "bench" / "face_crops.npz")
        start = time.perf_counter()
        model, history = nodes.train_refinement_gan(blended, crops, Path(tmp) / "gan.safetensors", params["network"],
                                                    training)
        train_s = time.perf_counter() - start
    steps = len(blended["frames"]) - 2
    full = train_s * schedule / training["epochs"]
    print(f"video: {args.video}  training frames: {len(blended['frames'])}  GAN size: {model.config.size}²")
    print(f"GAN fine-tune: {training['epochs']} epochs in {train_s:.0f} s ({1000 * train_s / (steps * training['epochs']):.0f}"
          f" ms per step, batch {training['batch_size']})  →  full schedule of {schedule} epochs ≈ {full / 60:.1f} min "
          f"(target ≤ 12 min)")
    print("per-epoch L1: " + ", ".join(f"{h['value']:.3f}" for h in history["l1"]))
    frames = heldout["blended"] if len(heldout["blended"]) else blended["blended"]
    refine_frames(model, frames[:16], np.arange(16))  # warm-up
    start = time.perf_counter()
    refine_frames(model, frames, np.arange(len(frames)))
    fps = len(frames) / (time.perf_counter() - start)
    print(f"refinement: {fps:.1f} frames/s at {model.config.size}² ({len(frames)} frames; target ≥ 40)")


if __name__ == "__main__":
    main()
