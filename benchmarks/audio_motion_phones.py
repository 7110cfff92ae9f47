"""Speech features for ATCNet, compared on the validation speakers only (issue 13, item 2): MFCC windows (today) vs
MFCC + PocketSphinx phone labels (`audio/phones.py`).

For each feature set and seed, trains the general ATCNet exactly as `train_general` does (its node, conf/base
parameters, the corpus minus `train_general.corpus.exclude`), then on each validation speaker (excluded from training,
never reported in benchmarks/quality.py) predicts the last 40 % of the clip from its audio. Also trains a network from
scratch on the speaker's first 60 % (the start gate's other candidate). Prints held-out correlation with the real
blendshapes: jawOpen, and the mean over the mouth-opening blendshapes (the start gate's criterion). Prints figures;
never fails on them.

    python benchmarks/audio_motion_phones.py                     # 2 feature sets × 2 seeds (≈ 25 min here)
    python benchmarks/audio_motion_phones.py --cache /tmp/corpus  # reuse tracked clips (one .npz per clip)
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from bench import SHARED_DATA, base_params, tracked_clips

from phadtf_kedro.audio.phones import with_phones
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.train_general.nodes import train_general_atcnet
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.corpus import SAMPLE_RATE
from phadtf_kedro.training.motion import Sequences, TrainConfig, train
from phadtf_kedro.training.start_gate import mouth_correlation
from phadtf_kedro.video.ffmpeg import read_audio

VALIDATION = ("vox2_741400104", "vox2_741400163", "vox2_00015")
NAMES = [f"expression/{n}" for n in (
    "_neutral browDownLeft browDownRight browInnerUp browOuterUpLeft browOuterUpRight cheekPuff cheekSquintLeft "
    "cheekSquintRight eyeBlinkLeft eyeBlinkRight eyeLookDownLeft eyeLookDownRight eyeLookInLeft eyeLookInRight "
    "eyeLookOutLeft eyeLookOutRight eyeLookUpLeft eyeLookUpRight eyeSquintLeft eyeSquintRight eyeWideLeft eyeWideRight "
    "jawForward jawLeft jawOpen jawRight mouthClose mouthDimpleLeft mouthDimpleRight mouthFrownLeft mouthFrownRight "
    "mouthFunnel mouthLeft mouthLowerDownLeft mouthLowerDownRight mouthPressLeft mouthPressRight mouthPucker "
    "mouthRight mouthRollLower mouthRollUpper mouthShrugLower mouthShrugUpper mouthSmileLeft mouthSmileRight "
    "mouthStretchLeft mouthStretchRight mouthUpperUpLeft mouthUpperUpRight noseSneerLeft noseSneerRight").split()]
NAMES += [f"pose/{i}" for i in range(6)]
JAW = NAMES.index("expression/jawOpen")


def clips(corpus: Path, cache: Path | None) -> dict[str, dict]:
    """Every corpus clip's tracked motion and MFCC windows (bench.tracked_clips), and its phone-labelled windows."""
    out = tracked_clips(corpus, cache)
    for name, motion in out.items():
        motion["phones"] = with_phones(motion["windows"], read_audio(corpus / f"{name}.mp4", SAMPLE_RATE))
    return out


def scores(model: ATCNet, windows: np.ndarray, real: np.ndarray) -> tuple[float, float]:
    predicted = model.predict(torch.as_tensor(windows)).numpy()
    jaw = np.corrcoef(predicted[:, JAW], real[:, JAW])[0, 1] if predicted[:, JAW].std() > 0 else 0.0
    return float(jaw), mouth_correlation(predicted, real, NAMES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(SHARED_DATA / "corpus"))
    parser.add_argument("--cache", help="a folder of tracked clips (.npz), written when missing")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--features", nargs="+", default=["mfcc", "phones"])
    args = parser.parse_args()
    data = clips(Path(args.corpus), Path(args.cache) if args.cache else None)
    params, network = base_params("train_general"), base_params("audio_motion")["network"]
    finetune = base_params("audio_motion")["finetune"]
    training = sorted(set(data) - set(params["corpus"]["exclude"]))
    print(f"general ATCNet on {len(training)} clips, {sum(len(data[c]['windows']) for c in training)} frames; "
          f"validation speakers {', '.join(VALIDATION)} (train 60 % / predict 40 %)")
    for feature in args.features:
        key = "windows" if feature == "mfcc" else "phones"
        net = {**network, "mfcc_cols": int(data[training[0]][key].shape[2])}
        for seed in args.seeds:
            sequences = {"clips": training, "persons": [], "windows": [data[c][key] for c in training],
                         "targets": [data[c]["targets"] for c in training]}
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                general, _, _ = train_general_atcnet(sequences, {}, Path(tmp) / "g.safetensors", net,
                                                     {**params, "seed": seed})
            line = [f"{feature:<7} seed {seed} ({time.perf_counter() - start:.0f} s)"]
            for speaker in VALIDATION:
                clip = data[speaker]
                cut = int(0.6 * len(clip[key]))
                jaw, mouth = scores(general, clip[key][cut:], clip["targets"][cut:])
                torch.manual_seed(finetune["seed"] + seed)
                scratch = ATCNet(copy.deepcopy(general.config))
                fit = Sequences([clip[key][:cut]], [clip["targets"][:cut]])
                scratch.set_target_stats(*fit.stats())
                cfg = config_from_params(TrainConfig, finetune, lr=finetune["lr_scratch"], steps=0)
                with tempfile.TemporaryDirectory() as tmp:
                    train(scratch, fit, cfg, Path(tmp) / "s.safetensors")
                s_jaw, s_mouth = scores(scratch, clip[key][cut:], clip["targets"][cut:])
                line.append(f"{speaker}: general jaw {jaw:+.3f} mouth {mouth:+.3f} | scratch jaw {s_jaw:+.3f} "
                            f"mouth {s_mouth:+.3f}")
            print("\n    ".join(line), flush=True)


if __name__ == "__main__":
    main()
