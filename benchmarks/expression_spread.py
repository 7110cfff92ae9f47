"""How far the generated mouth opens: the expression's calibration gains measured in-sample or out of fold
(`audio_motion.calibration.expression_spread`), compared end to end on an evaluated project.

The calibration brings each expression output's spread to the person's own on their training frames. Measured on the
ridge's in-sample predictions, it sees a fit that follows the person's own frames (weighted `own_weight`) more closely
than new speech will, so new speech gets too small a mouth (`benchmarks/mouth_chain.py`'s `pred/real`). `out_of_fold`
widens every expression gain by how much closer the ridge fits the training frames than each block of them predicted
by a ridge fitted without it (training/calibration.py).

For each identity of a project that `benchmarks/lower_face.py` (validation speakers) or `benchmarks/quality.py`
(reported ones) has finetuned: the calibration node and then the evaluation pipeline once per setting (the networks
and the ridge stay as trained), and one table of the `ours` row with mouth_chain's prediction figures. The project is
left at the last setting.

    python benchmarks/expression_spread.py --project benchmarks/results/lower_face/project \
        --identities vox2_741400104,vox2_741400163,vox2_00015

Never fails on quality: it prints figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import ROOT, run_session
from mouth_chain import chain
from quality import source

SHOWN = ("psnr_per_frame", "ssim", "lmd", "mouth_corr", "mouth_std_ratio", "sync_corr", "hs")
SETTINGS = {"in_sample": {"expression_spread": "in_sample"},
            "out_of_fold": {"expression_spread": "out_of_fold", "folds": 5}}


def run(project: Path, identity: str, calibration: dict, pipeline: str, node_names: list[str] | None = None) -> None:
    run_session(project, pipeline, node_names=node_names, person_id=identity, **source(identity)[1],
                audio_motion={"calibration": calibration})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=str(ROOT / "benchmarks" / "results" / "lower_face" / "project"))
    parser.add_argument("--identities", default="vox2_741400104,vox2_741400163,vox2_00015")
    parser.add_argument("--settings", default=",".join(SETTINGS), help=f"any of {', '.join(SETTINGS)}")
    args = parser.parse_args()
    project = Path(args.project).resolve()
    lines = ["| identity | setting | " + " | ".join(SHOWN) + " | pred~real | pred/real |",
             "|---" * (len(SHOWN) + 4) + "|"]
    for identity in args.identities.split(","):
        for setting in args.settings.split(","):
            run(project, identity, SETTINGS[setting], "audio_motion", ["motion_sequences", "calibrate_atcnet"])
            run(project, identity, SETTINGS[setting], "evaluation")
            report = project / "data" / "08_reporting" / identity / "evaluation.json"
            ours, figures = json.loads(report.read_text())["table"]["ours"], chain(project / "data", identity)
            lines.append(f"| {identity} | {setting} | " + " | ".join(f"{ours[m]:.3f}" for m in SHOWN)
                         + f" | {figures['pred~real']:.3f} | {figures['pred/real']:.3f} |")
            print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
