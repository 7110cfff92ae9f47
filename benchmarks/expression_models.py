"""The mouth's model, chosen on the validation speakers only (issue 13): the ridge regressor over speaker-normalised
MFCC windows (models/ridge_expression.py) with the settings conf/base uses and its neighbours.

For each validation speaker (excluded from train_general, never reported in benchmarks/quality.py): the corpus
frames (the same clips and frames as train_general: conf/base's exclude list) plus the speaker's first 60 % with
`own_weight`, then the last 40 % predicted from its audio. Prints held-out Pearson r of jawOpen and the mean over the
five mouth-opening blendshapes (the start gate's criterion). The general ATCNet's figures on the same split come from
`benchmarks/audio_motion_phones.py --features mfcc` (it trains the network; this script trains nothing). Prints
figures; never fails on them.

    python benchmarks/expression_models.py --cache /tmp/corpus   # tracked clips (one .npz per clip), written when missing
    python benchmarks/expression_models.py --cache /tmp/corpus --phones   # also MFCC + PocketSphinx phone labels

`--phones` appends the phone one-hot columns (`audio/phones.py`, as `benchmarks/audio_motion_phones.py` gives them
to ATCNet) to every MFCC row, normalised per utterance like the MFCCs, and fits the same ridge on both feature sets.
The grid of rows × alpha × own weight × smoothing is the linear ridge (`rbf_weight: 0`). `--kernel` adds the kernel's
RBF part (models/ridge_expression.py: linear + rbf_weight × RBF(σ)) at conf/base's rows, alpha, own weight and
smoothing, for several weights and widths.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from audio_motion_phones import JAW, NAMES, VALIDATION, clips
from bench import SHARED_DATA, base_params, tracked_clips

from phadtf_kedro.face.model import EXPRESSION
from phadtf_kedro.models.ridge_expression import fit_ridge, predict_ridge, utterance_frames
from phadtf_kedro.training.start_gate import mouth_correlation


def held_out_scores(data: dict, corpus_clips: list[str], rows, alpha: float, own_weight: float, smooth: int,
                    rbf_weight: float = 0.0, sigma: float = 20.0) -> list[tuple[float, float]]:
    """(jawOpen r, mouth-opening r) on the last 40 % of each validation speaker."""
    general = utterance_frames([data[c]["windows"] for c in corpus_clips],
                               [data[c]["targets"][:, EXPRESSION] for c in corpus_clips], rows,
                               valid=[data[c]["valid"].astype(bool) for c in corpus_clips])
    scores = []
    for speaker in VALIDATION:
        clip = data[speaker]
        cut, valid = int(0.6 * len(clip["windows"])), clip["valid"].astype(bool)
        own = utterance_frames([clip["windows"][:cut]], [clip["targets"][:cut, EXPRESSION]], rows, valid=[valid[:cut]])
        resting = clip["targets"][:cut][valid[:cut], EXPRESSION].mean(axis=0)
        ridge = fit_ridge([general, own], [1.0, own_weight], alpha, rbf_weight, sigma, smooth, resting)
        predicted = predict_ridge(ridge, clip["windows"][cut:])[valid[cut:]]
        real = clip["targets"][cut:][valid[cut:]]
        padded = np.concatenate([predicted, real[:, 52:]], axis=1)  # mouth_correlation reads expression columns only
        scores.append((float(np.corrcoef(predicted[:, JAW], real[:, JAW])[0, 1]),
                       mouth_correlation(padded, real, NAMES)))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(SHARED_DATA / "corpus"))
    parser.add_argument("--cache", help="a folder of tracked clips (.npz), written when missing")
    parser.add_argument("--phones", action="store_true", help="also MFCC + phone labels, at conf/base's rows")
    parser.add_argument("--kernel", action="store_true",
                        help="also the kernel's RBF part: rbf_weight × sigma around conf/base's, linear included")
    args = parser.parse_args()
    cache = Path(args.cache) if args.cache else None
    data = (clips if args.phones else tracked_clips)(Path(args.corpus), cache)
    corpus_clips = sorted(set(data) - set(base_params("train_general")["corpus"]["exclude"]))
    chosen = base_params("audio_motion")["expression"]
    print(f"ridge over {len(corpus_clips)} corpus clips; validation speakers {', '.join(VALIDATION)} "
          f"(own first 60 %, predict last 40 %); conf/base: {chosen}")
    print("rows    alpha  own  smooth | " + " | ".join(VALIDATION) + " | mean jaw / mouth")
    grid = itertools.product([(4, 24), (8, 20), (0, 28)], [100.0, 1000.0, 5000.0], [0.0, 5.0], [1, 3])
    for rows, alpha, own, smooth in grid:
        scores = held_out_scores(data, corpus_clips, rows, alpha, own, smooth)
        mean = np.mean(scores, axis=0)
        mark = " ← conf/base (its linear part)" if (list(rows), alpha, own, smooth) == (chosen["rows"], chosen["alpha"],
                                                                      chosen["own_weight"], chosen["smooth"]) else ""
        print(f"{str(rows):<8}{alpha:>6.0f} {own:>4.0f} {smooth:>6} | "
              + " | ".join(f"{j:+.3f} / {m:+.3f}" for j, m in scores) + f" | {mean[0]:.3f} / {mean[1]:.3f}{mark}",
              flush=True)
    if args.kernel:
        print("rbf_weight sigma | " + " | ".join(VALIDATION)
              + " | mean jaw / mouth  (conf/base's rows, alpha, own, smooth)")
        for rbf_weight, sigma in [(0.0, 20.0), *itertools.product([1000.0, 3000.0, 10000.0], [15.0, 20.0, 25.0, 40.0])]:
            scores = held_out_scores(data, corpus_clips, chosen["rows"], chosen["alpha"], chosen["own_weight"],
                                     chosen["smooth"], rbf_weight, sigma)
            mean = np.mean(scores, axis=0)
            mark = " ← conf/base" if (rbf_weight, sigma) == (chosen["rbf_weight"], chosen["sigma"]) else ""
            print(f"{rbf_weight:>10.0f} {sigma:>5g} | " + " | ".join(f"{j:+.3f} / {m:+.3f}" for j, m in scores)
                  + f" | {mean[0]:.3f} / {mean[1]:.3f}{mark}", flush=True)
    if args.phones:
        with_phones = {name: {**clip, "windows": clip["phones"]} for name, clip in data.items()}
        for features, clips_ in (("mfcc", data), ("mfcc + phones", with_phones)):
            for alpha in (5000.0, 20000.0, 50000.0):
                scores = held_out_scores(clips_, corpus_clips, chosen["rows"], alpha, chosen["own_weight"],
                                         chosen["smooth"])
                mean = np.mean(scores, axis=0)
                print(f"{features:<14}{alpha:>6.0f} | " + " | ".join(f"{j:+.3f} / {m:+.3f}" for j, m in scores)
                      + f" | {mean[0]:.3f} / {mean[1]:.3f}", flush=True)


if __name__ == "__main__":
    main()
