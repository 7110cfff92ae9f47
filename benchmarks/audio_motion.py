"""ATCNet fine-tuning wall time (small preset, base parameters) and inference speed on a real clip.

Preprocessing and reconstruction run first, untimed. Prints the fine-tune wall time (target ≤ 3 min on the 2-core
CPU machine) and inference frames per second over one minute of audio (target ≥ 500 frames/s on CPU). Never fails on
time.

    python benchmarks/audio_motion.py [path/to/video.mp4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import VIDEO_31, add_video, load_npz, make_project, run_session  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(VIDEO_31))
    args = parser.parse_args()
    from phadtf_kedro.pipelines.audio_motion import nodes

    params = yaml.safe_load((ROOT / "conf" / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "project")
        add_video(project, "bench", Path(args.video))
        run_session(project, "preprocessing", person_id="bench")
        run_session(project, "reconstruction", env="tiny", person_id="bench")
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
