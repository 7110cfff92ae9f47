"""ATCNet fine-tuning wall time (small preset, base parameters) and inference speed on a real clip.

Preprocessing and reconstruction run first, untimed. Prints the fine-tune wall time (target ≤ 3 min on the 2-core
CPU machine) and inference frames per second over one minute of audio (target ≥ 500 frames/s on CPU). Never fails on
time.

    python benchmarks/audio_motion.py [path/to/video.mp4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from bench import VIDEO_31, base_params, load_npz, project_with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(VIDEO_31))
    args = parser.parse_args()
    from phadtf_kedro.pipelines.audio_motion import nodes

    params = base_params("audio_motion")
    with tempfile.TemporaryDirectory() as tmp:
        project = project_with(Path(tmp), Path(args.video), ["preprocessing", "reconstruction"])
        feature = project / "data" / "04_feature" / "bench"
        motion = nodes.motion_sequences(load_npz(feature / "coefficients.npz"), load_npz(feature / "mfcc_windows.npz"))
        start = time.perf_counter()
        model, _, info = nodes.finetune_atcnet(motion, None, Path(tmp) / "resume.safetensors", params["network"],
                                               params["finetune"])
        took = time.perf_counter() - start
    print(f"video: {args.video}  training frames: {int(motion['train'].sum())}  torch threads: {torch.get_num_threads()}")
    print(f"fine-tune (small preset, {info['steps']} steps from {info['start']}): {took:.1f} s")
    minute = torch.as_tensor(np.resize(motion["windows"], (1500, 28, 12)))
    model.predict(minute[:100])
    start = time.perf_counter()
    model.predict(minute)
    took = time.perf_counter() - start
    print(f"inference over 60 s of audio (1500 frames, one sequence): {took:.2f} s  →  {1500 / took:.0f} frames/s")


if __name__ == "__main__":
    main()
