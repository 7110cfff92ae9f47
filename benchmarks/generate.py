"""Generation speed and memory: the user's `kedro run --pipelines=generate` on 60 s of speech.

Prints the real-time factor (seconds of video per wall-clock second, the whole command including Kedro's start-up;
target ≥ 1.0 on the 2-core CPU machine) and the command's peak resident memory (target < 4 GB for 60 s). Never fails
on time.

    python benchmarks/generate.py                          # fresh project from 31.mp4: tiny preset, untrained small GAN
    python benchmarks/generate.py --project DIR --person 31   # a project already finetuned (real weights)

A fresh project trains everything with the `tiny` preset except the refinement GAN, which gets the `small` network
with zero epochs: generation speed depends on the network's size, not on its weights.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from bench import KEDRO, SHARED_DATA, VIDEO_31, base_params, project_with

SPEECH = SHARED_DATA / "audio" / "obama_weekly_13s.wav"


def finetuned_project(root: Path, video: Path) -> Path:
    base = base_params("refinement")
    small_gan = {"network": base["network"], "training": {"epochs": 0, "load_size": base["training"]["load_size"]}}
    return project_with(root, video, ["finetune"], refinement=small_gan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(VIDEO_31))
    parser.add_argument("--project", help="an already finetuned project folder")
    parser.add_argument("--person", default="bench")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--params", default="", help="more runtime parameters, e.g. generate.seamless=false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(args.project) if args.project else finetuned_project(Path(tmp), Path(args.video))
        speech, rate = sf.read(str(SPEECH), dtype="float32", always_2d=True)
        speech = np.resize(speech.mean(axis=1), int(args.seconds * rate))  # the speech repeated to the length asked
        audio = project / "data" / "01_raw" / "audio" / "bench_minute.wav"
        audio.parent.mkdir(parents=True, exist_ok=True)
        sf.write(audio, speech, rate)
        env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"}
        start = time.perf_counter()
        proc = subprocess.run([KEDRO, "run", "--pipelines=generate", "--params",
                               f"person_id={args.person},audio=bench_minute" + (f",{args.params}" if args.params else "")], cwd=project, env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(proc.stderr[-3000:])
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
        print(f"audio: {args.seconds:.0f} s ({SPEECH.name} repeated)  project: {project}  person: {args.person}  "
              f"params: {args.params or '-'}")
        print(f"generate (whole command): {wall:.1f} s  →  real-time factor {args.seconds / wall:.2f} "
              f"({args.seconds * 25 / wall:.1f} frames/s; target ≥ 1.0)")
        print(f"peak memory of the largest process: {peak_gb:.2f} GB (target < 4 GB)")
        audio.unlink()


if __name__ == "__main__":
    main()
