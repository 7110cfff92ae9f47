"""Reconstruction and rendering throughput on a real clip, after tracking (preprocessing is run first, untimed).

Prints frames per second of (a) reconstruction: pose/expression from the tracks, personal shape fit, texture and
per-frame lighting (the reconstruction nodes, called directly); (b) rendering every frame at the crop size with 4×
MSAA (what the rendering pipeline writes) and without anti-aliasing. Targets on the 2-core CPU machine: ≥ 100 frames/s
for reconstruction, ≥ 200 frames/s for rendering at 256². It never fails on time.

    python benchmarks/reconstruction_rendering.py [path/to/video.mp4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench import ROOT, VIDEO_31, base_params, load_npz, project_with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", default=str(VIDEO_31))
    args = parser.parse_args()
    from phadtf_kedro.face.model import FaceModel
    from phadtf_kedro.face.sequence import render_sequence
    from phadtf_kedro.pipelines.reconstruction import nodes

    params = base_params("reconstruction")
    with tempfile.TemporaryDirectory() as tmp:
        project = project_with(Path(tmp), Path(args.video), ["preprocessing"])
        tracks = load_npz(project / "data" / "03_primary" / "bench" / "face_tracks.npz")
        crops = load_npz(project / "data" / "02_intermediate" / "bench" / "face_crops.npz")
        os.chdir(ROOT)
    frames, size = len(crops["crops"]), crops["crops"].shape[1]

    start = time.perf_counter()
    motion = nodes.tracked_motion(tracks, params)
    shape = nodes.fit_face_shape(tracks, motion, None, params)
    shaped = time.perf_counter()
    model_arrays, coefficients, _ = nodes.fit_face_appearance(shape, motion, tracks, crops, params)
    done = time.perf_counter()
    print(f"video: {args.video}  frames: {frames}  crop: {size}²")
    print(f"reconstruction: {done - start:.1f} s  →  {frames / (done - start):.1f} frames/s "
          f"(shape fit {shaped - start:.2f} s, texture + lighting {done - shaped:.1f} s)")

    model = FaceModel.from_arrays(model_arrays)
    for samples in (4, 0):
        times = []
        for _ in range(3):  # the first pass includes making the GL context and compiling the shaders
            start = time.perf_counter()
            for _ in render_sequence(model, coefficients["coefficients"], tracks["crop_affine"], size, samples):
                pass
            times.append(time.perf_counter() - start)
        print(f"rendering, {samples}× MSAA, RGBA + normals, 3 passes: "
              + ", ".join(f"{frames / took:.0f}" for took in times) + " frames/s")


if __name__ == "__main__":
    main()
