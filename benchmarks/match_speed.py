"""How fast generation's matched backgrounds may run (`blending.match_speed`) and how far the pose query may be
widened (`audio_motion.calibration.max_gain_pose`), chosen on validation cases only.

The cases (never reported in benchmarks/quality.py): each validation speaker, trained on its first 60 % (as
quality.py splits corpus clips), and 31.mp4's training part split again (`31_fit200`: trained on its first 8 s,
`31_fit150`: 6 s, scored on the frames up to 12 s only, never the reported ones). For each: preprocessing,
reconstruction and audio_motion (reused when the project already has them), then the matched plan of its held-out
frames from the predicted pose, calibrated as generation plans it but with each `--max-gain-pose` cap, at each speed.
With `pose_source: matched` every frame shows its background's head, so the plan's background poses are the head
motion the video will have; they are compared with the real held-out poses: HS, velocity HS and the pose std ratio
(metrics/pose.py); and how the background video runs: the share of output frames that hold the previous training frame
and of those that skip ahead 2 or more (`--pace`). Prints figures; never fails on them.

    python benchmarks/match_speed.py --project /tmp/valproj/project
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from audio_motion_phones import VALIDATION
from bench import VIDEO_31, add_video, base_params, make_project, run_session
from quality import source

from phadtf_kedro.face.model import POSE
from phadtf_kedro.metrics.pose import head_pose_similarity, head_pose_velocity_similarity, pose_std_ratio
from phadtf_kedro.synthesis.plan import plan_from_prediction
from phadtf_kedro.training.calibration import with_pose_cap


TRAINING_FRAMES_31 = 300  # 31.mp4's training part (12 s at 25 fps); the evaluation reports the frames after it
TRAINING_PART_31 = {"31_fit200": 8.0, "31_fit150": 6.0}  # case → its training seconds; 31's own training part: 12 s
CASES = (*VALIDATION, *TRAINING_PART_31)


def prepared(project: Path, identity: str) -> Path:
    """The person's data folder, with the stages up to audio_motion run once."""
    data = project / "data"
    if not (data / "07_model_output" / identity / "heldout_motion.npz").exists():
        if identity in TRAINING_PART_31:
            clip, split = VIDEO_31, {"reconstruction": {"train_seconds": TRAINING_PART_31[identity]}}
        else:
            clip, split = source(identity)
        add_video(project, identity, clip)
        for stage in ("preprocessing", "reconstruction", "audio_motion"):
            run_session(project, stage, person_id=identity, **split)
    return data


def figures(data: Path, identity: str, speed: float, cap: float, blending: dict, bin_deg: float,
            quantile: float | None = None, pace: str = "linear") -> tuple[float, ...]:
    face = dict(np.load(data / "04_feature" / identity / "coefficients.npz"))
    held = dict(np.load(data / "07_model_output" / identity / "heldout_motion.npz"))
    calibration = with_pose_cap(dict(np.load(data / "06_models" / identity / "atcnet_calibration.npz")), cap)
    if identity in TRAINING_PART_31:  # scored within 31's own training part only
        keep = held["frames"] < TRAINING_FRAMES_31
        held = {**held, "predicted": held["predicted"][keep], "frames": held["frames"][keep]}
    real = face["coefficients"][held["frames"]][:, POSE]
    plan = plan_from_prediction(held["predicted"], face, "matched", 1.0, blending["search_window"],
                                blending["hanning_taps"], calibration=calibration, speed=speed,
                                head_speed_quantile=quantile, pace=pace)
    shown = plan["coefficients"][:, POSE]
    steps = np.abs(np.diff(plan["background"]))
    return (head_pose_similarity(shown, real, bin_deg), head_pose_velocity_similarity(shown, real),
            pose_std_ratio(shown, real), float(np.mean(steps == 0)), float(np.mean(steps >= 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, help="a project folder (made when missing)")
    parser.add_argument("--speeds", nargs="+", type=float, default=[1.0, 2.0, 3.0, 4.0])
    parser.add_argument("--max-gain-pose", nargs="+", type=float, default=[8.0, 32.0, 100.0, 300.0, 1000.0])
    parser.add_argument("--head-speed-quantile", nargs="+", default=["none"],
                        help="blending.head_speed_quantile values to try; none: no bound")
    parser.add_argument("--pace", nargs="+", default=["linear"], choices=["linear", "natural"],
                        help="blending.pace values to try")
    args = parser.parse_args()
    quantiles = [None if q == "none" else float(q) for q in args.head_speed_quantile]
    project = Path(args.project)
    if not (project / "conf").exists():
        make_project(project)
    data = {identity: prepared(project, identity) for identity in CASES}
    blending, bin_deg = base_params("blending"), base_params("evaluation")["hs_bin_deg"]
    print(f"matched plan of the held-out frames vs their real poses; validation cases {', '.join(CASES)}")
    print("speed | max_gain_pose | head_speed_quantile | pace | " + " | ".join(CASES)
          + " | mean HS / velocity HS / pose std ratio | held / ≥ 2× steps of the background")
    for speed, cap, quantile, pace in itertools.product(args.speeds, args.max_gain_pose, quantiles, args.pace):
        rows = [figures(data[i], i, speed, cap, blending, bin_deg, quantile, pace) for i in CASES]
        mean = np.mean(rows, axis=0)
        print(f"{speed:>5g} | {cap:>6g} | {quantile} | {pace} | "
              + " | ".join("%.2f / %.2f / %.2f" % r[:3] for r in rows)
              + f" | {mean[0]:.3f} / {mean[1]:.3f} / {mean[2]:.3f} | {mean[3]:.2f} / {mean[4]:.2f}", flush=True)


if __name__ == "__main__":
    main()
