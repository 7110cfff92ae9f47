"""Audio → motion wall times (small preset, base parameters): general ATCNet training on the corpus, the per-person
fine-tune and expression ridge, and inference speed on a real clip.

Preprocessing and reconstruction run first, untimed. Prints the general ATCNet's training time on the corpus (as
`train_general` does it: tracking the clips + the step budget; target ≤ 30 min), the per-person fine-tune wall time
from the shipped general ATCNet, and from scratch (target ≤ 3 min on the 2-core CPU machine) and inference frames per
second over one minute of audio (target ≥ 500 frames/s on CPU). Never fails on time.

    python benchmarks/audio_motion.py [path/to/video.mp4] [--corpus DIR | --no-general]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from audio_motion_general import train_general
from bench import SHARED_DATA, VIDEO_31, base_params, load_npz, project_with

from phadtf_kedro.datasets import ATCNetDataset, TensorsDataset
from phadtf_kedro.face.tracker import resolve_model_path
from phadtf_kedro.models.ridge_expression import with_ridge_expression


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(VIDEO_31))
    parser.add_argument("--corpus", default=str(SHARED_DATA / "corpus"))
    parser.add_argument("--no-general", action="store_true", help="skip timing the general training (≈ 5 min)")
    args = parser.parse_args()
    from phadtf_kedro.pipelines.audio_motion import nodes

    params = base_params("audio_motion")
    if not args.no_general:
        start = time.perf_counter()
        train_general(Path(args.corpus), resolve_model_path(None), set(base_params("train_general")["corpus"]["exclude"]))
        print(f"general ATCNet on the corpus, tracking included: {(time.perf_counter() - start) / 60:.1f} min")
    shipped = ATCNetDataset("/nonexistent", packaged="atcnet_general.safetensors").load()
    with tempfile.TemporaryDirectory() as tmp:
        project = project_with(Path(tmp), Path(args.video), ["preprocessing", "reconstruction"])
        feature = project / "data" / "04_feature" / "bench"
        motion = nodes.motion_sequences(load_npz(feature / "coefficients.npz"), load_npz(feature / "mfcc_windows.npz"))
        print(f"video: {args.video}  training frames: {int(motion['train'].sum())}  "
              f"torch threads: {torch.get_num_threads()}")
        for i, general in enumerate((shipped, None)):  # the start gate, then scratch alone (no general network)
            start = time.perf_counter()
            model, _, info = nodes.finetune_atcnet(motion, general, Path(tmp) / f"resume{i}.safetensors",
                                                   params["network"], params["finetune"],
                                                   params["expression"]["model"], params["calibration"])
            gate = "with the start gate" if info["start_gate"] else "no general network"
            print(f"per-person fine-tune, {gate} ({info['steps']} steps from {info['start']}): "
                  f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        ridge = nodes.fit_expression_ridge(motion, TensorsDataset("/nonexistent", packaged="ridge_general.safetensors").load(),
                                           params["expression"])
        print(f"per-person expression ridge (shipped corpus frames + the person's frames): "
              f"{time.perf_counter() - start:.2f} s")
    windows = np.resize(motion["windows"], (1500, 28, 12))
    minute = torch.as_tensor(windows)
    model.predict(minute[:100])
    start = time.perf_counter()
    with_ridge_expression(model.predict(minute).numpy(), ridge, windows)
    took = time.perf_counter() - start
    print(f"inference over 60 s of audio (1500 frames, one sequence; ATCNet pose + ridge expression): {took:.2f} s  →  "
          f"{1500 / took:.0f} frames/s")


if __name__ == "__main__":
    main()
