"""Preprocessing throughput on a real clip: video frames per second, end to end (probe → tracking → crops → audio).

Runs the preprocessing pipeline through a KedroSession in a throwaway project and prints the figures; it never fails
on time. Target on the 2-core CPU machine: ≥ 50 frames/s on 31.mp4 (1280×720, 607 frames).

    python benchmarks/preprocessing_throughput.py [path/to/video.mp4] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import VIDEO_31, add_video, make_project  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(VIDEO_31))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "project")
        add_video(project, "bench", Path(args.video))
        os.chdir(project)
        start = time.perf_counter()
        bootstrap_project(project)
        params = {"person_id": "bench", "preprocessing": {"tracking_workers": args.workers}}
        with KedroSession.create(project_path=project, runtime_params=params) as session:
            session.load_context()  # project settings, hooks, MLflow store and experiment
            ready = time.perf_counter()
            session.run(pipeline_names=["preprocessing"])
        done = time.perf_counter()
        report = json.loads((project / "data" / "08_reporting" / "bench" / "preprocessing.json").read_text())
        os.chdir(ROOT)
    frames = report["frames"]
    print(f"video: {args.video}  frames: {frames}  tracking workers: {args.workers}")
    total, pipeline = done - start, done - ready
    print(f"pipeline (first node to last output): {pipeline:.1f} s  →  {frames / pipeline:.1f} frames/s")
    print(f"end to end (Kedro + MLflow start-up included): {total:.1f} s  →  {frames / total:.1f} frames/s")


if __name__ == "__main__":
    main()
