"""How fast generation's matched backgrounds may run (`blending.match_speed`), chosen on the validation speakers only.

For each validation speaker (never reported in benchmarks/quality.py): preprocessing, reconstruction and audio_motion
on its first 60 % (as quality.py splits corpus clips; reused when the project already has them), then the matched
plan of its held-out frames from the predicted pose (calibrated, as generation plans it) at several speeds. With
`pose_source: matched` every frame shows its background's head, so the plan's background poses are the head motion
the video will have; they are compared with the real held-out poses: HS, velocity HS and the pose std ratio
(metrics/pose.py). Prints figures; never fails on them.

    python benchmarks/match_speed.py --project /tmp/valproj/project
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from audio_motion_phones import VALIDATION
from bench import add_video, base_params, make_project, run_session
from quality import source

from phadtf_kedro.face.model import POSE
from phadtf_kedro.metrics.pose import head_pose_similarity, head_pose_velocity_similarity, pose_std_ratio
from phadtf_kedro.synthesis.plan import plan_from_prediction


def prepared(project: Path, identity: str) -> Path:
    """The person's data folder, with the stages up to audio_motion run once."""
    data = project / "data"
    if not (data / "07_model_output" / identity / "heldout_motion.npz").exists():
        clip, split = source(identity)
        add_video(project, identity, clip)
        for stage in ("preprocessing", "reconstruction", "audio_motion"):
            run_session(project, stage, person_id=identity, **split)
    return data


def figures(data: Path, identity: str, speed: float, blending: dict, bin_deg: float) -> tuple[float, float, float]:
    face = dict(np.load(data / "04_feature" / identity / "coefficients.npz"))
    held = dict(np.load(data / "07_model_output" / identity / "heldout_motion.npz"))
    calibration = dict(np.load(data / "06_models" / identity / "atcnet_calibration.npz"))
    real = face["coefficients"][held["frames"]][:, POSE]
    plan = plan_from_prediction(held["predicted"], face, "matched", 1.0, blending["search_window"],
                                blending["hanning_taps"], calibration=calibration, speed=speed)
    shown = plan["coefficients"][:, POSE]
    return (head_pose_similarity(shown, real, bin_deg), head_pose_velocity_similarity(shown, real),
            pose_std_ratio(shown, real))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="a project folder (made when missing)")
    parser.add_argument("--speeds", nargs="+", type=float, default=[1.0, 1.5, 2.0, 2.5, 3.0, 4.0])
    args = parser.parse_args()
    project = Path(args.project)
    if not (project / "conf").exists():
        make_project(project)
    data = {identity: prepared(project, identity) for identity in VALIDATION}
    blending, bin_deg = base_params("blending"), base_params("evaluation")["hs_bin_deg"]
    print(f"matched plan of the held-out frames vs their real poses; validation speakers {', '.join(VALIDATION)}")
    print("speed | " + " | ".join(VALIDATION) + " | mean HS / velocity HS / pose std ratio")
    for speed in args.speeds:
        rows = [figures(data[i], i, speed, blending, bin_deg) for i in VALIDATION]
        mean = np.mean(rows, axis=0)
        print(f"{speed:>5g} | " + " | ".join("%.3f / %.3f / %.3f" % r for r in rows)
              + f" | {mean[0]:.3f} / {mean[1]:.3f} / {mean[2]:.3f}", flush=True)


if __name__ == "__main__":
    main()
