"""How lively the generated motion is: ATCNet's raw output vs the per-person amplitude calibration, and the head pose
PHADTF's test time gives (`pose_source: matched`), as std ratios generated ÷ real on frames the network never saw.

    python benchmarks/motion_amplitude.py                        # fresh project from 31.mp4 (earlier stages untimed)
    python benchmarks/motion_amplitude.py --project DIR --person 31 --seeds 0 1 2 3

`validation` (what parameters may be chosen on): ATCNet fine-tuned (base parameters, from scratch) on the training
part minus its last 2 s, evaluated on those 2 s. `heldout` (reported, never chosen on): fine-tuned on the whole
training part, evaluated on the rest of the video. Each `max_gain` row calibrates on the frames the network was fitted
on (as the audio_motion pipeline does) and applies it to the evaluated frames. Columns: jawOpen std ratio and its
correlation with the real one; the median std ratio of the mouth and jaw blendshapes and their MSE (×1e3); the std
ratios of the predicted pitch, yaw, roll and their RMSE (°); `m_…`: the same for the matched (reassigned) pose.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from bench import VIDEO_31, base_params, load_npz, project_with

from phadtf_kedro.metrics.sync import correlation
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.audio_motion.nodes import motion_sequences, network_config
from phadtf_kedro.synthesis.plan import plan_from_prediction
from phadtf_kedro.training.calibration import apply_calibration, fit_calibration
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.motion import Sequences, TrainConfig, train

CAPS = (None, 2.0, 3.0, 5.0, 8.0, 10.0, 20.0, np.inf)
COLUMNS = ("jaw_sd", "jaw_r", "mouth_sd", "mouth_mse", "pitch_sd", "yaw_sd", "roll_sd", "pose_rmse", "m_pitch_sd",
           "m_yaw_sd", "m_roll_sd", "m_rmse")


def fitted_predictions(motion: dict, fit: np.ndarray, evaluated: np.ndarray, seed: int, params: dict,
                       tmp: Path) -> tuple[np.ndarray, np.ndarray]:
    """ATCNet fine-tuned from scratch on `fit` frames; its predictions there and on `evaluated` (each one utterance)."""
    torch.manual_seed(seed)
    model = ATCNet(network_config(params["network"]))
    data = Sequences([motion["windows"][fit]], [motion["targets"][fit]])
    model.set_target_stats(*data.stats())
    cfg = config_from_params(TrainConfig, {**params["finetune"], "seed": seed}, lr=params["finetune"]["lr_scratch"])
    train(model, data, cfg, tmp / f"resume_{seed}_{len(fit)}.safetensors")
    return tuple(model.predict(torch.as_tensor(motion["windows"][f])).numpy().astype(np.float64)
                 for f in (fit, evaluated))


def figures(p: np.ndarray, real: np.ndarray, mouth: list[int], jaw: int, face: dict) -> list[float]:
    ratio = p.std(0) / np.maximum(real.std(0), 1e-12)
    matched = plan_from_prediction(p.astype(np.float32), face, "matched", 1.0, None, 7)["coefficients"][:, 52:55]
    matched = matched.astype(np.float64)
    rmse = lambda a: float(np.degrees(np.sqrt(np.mean((a - real[:, 52:55]) ** 2))))  # noqa: E731
    return [ratio[jaw], correlation(p[:, jaw], real[:, jaw]), float(np.median(ratio[mouth])),
            float(np.mean((p[:, mouth] - real[:, mouth]) ** 2) * 1e3), *ratio[52:55], rmse(p[:, 52:55]),
            *(matched.std(0) / real[:, 52:55].std(0)), rmse(matched)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(VIDEO_31))
    parser.add_argument("--project", help="a project where preprocessing and reconstruction ran for --person")
    parser.add_argument("--person", default="bench")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--validation-seconds", type=float, default=2.0)
    args = parser.parse_args()
    params = base_params("audio_motion")
    with tempfile.TemporaryDirectory() as tmp:
        project = (Path(args.project) if args.project else
                   project_with(Path(tmp), Path(args.video), ["preprocessing", "reconstruction"], person=args.person))
        feature = project / "data" / "04_feature" / args.person
        coefficients = load_npz(feature / "coefficients.npz")
        motion = motion_sequences(coefficients, load_npz(feature / "mfcc_windows.npz"))
        names, targets = motion["names"], motion["targets"].astype(np.float64)
        mouth = [i for i, n in enumerate(names) if n.startswith(("expression/mouth", "expression/jaw"))]
        jaw = names.index("expression/jawOpen")
        train_frames = np.flatnonzero(motion["train"])
        n_val = int(round(args.validation_seconds * 25))
        splits = {"validation": (train_frames[:-n_val], train_frames[-n_val:]),
                  "heldout": (train_frames, np.flatnonzero(~motion["train"]))}
        for split, (fit, evaluated) in splits.items():
            face = {**coefficients, "train": np.isin(np.arange(len(targets)), fit)}
            runs = [fitted_predictions(motion, fit, evaluated, s, params, Path(tmp)) for s in args.seeds]
            print(f"\n{split}: fitted on frames {fit[0]}–{fit[-1]}, evaluated on {evaluated[0]}–{evaluated[-1]}, "
                  f"means over seeds {args.seeds}")
            print(f"{'max_gain':>9s} " + " ".join(f"{c:>10s}" for c in COLUMNS))
            for cap in CAPS:
                rows = [figures(p if cap is None else
                                apply_calibration(p, fit_calibration(p_fit, targets[fit], names, cap)),
                                targets[evaluated], mouth, jaw, face) for p_fit, p in runs]
                print(f"{'raw' if cap is None else cap:>9} " + " ".join(f"{v:10.3f}" for v in np.mean(rows, 0)))


if __name__ == "__main__":
    main()
