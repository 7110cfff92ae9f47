"""How the lower face is made (`generate.lower_face`: render or warp; `generate.mouth_interior`: stretched or
retrieved), compared on *validation* identities.

The defaults of `generate.lower_face` and `generate.mouth_interior` are chosen here, on corpus speakers that
`benchmarks/quality.py` never reports (vox2_741400104 and vox2_00015 by default), never on the reported ones. For each
identity: the user's finetune (train on the first 60 %), then the evaluation pipeline once per setting on the same
held-out frames, and one table of the `ours` row. `--compare lower_face`: the rendered lower face (the paper's
render → blend → refine, refined or blended as the refinement gate chose) vs the matched frame's own lower face
mesh-warped to the generated expression. `--compare mouth_interior` (warped): the matched frame's lips stretched open
vs the mouth opening retrieved from the training frame with the nearest mouth. `--compare surround` (warped): what lies
just outside the moved lower face keeps its pixels vs follows the moved contour (synthesis/warp.py `surround_band`).
`--compare warp_space` (warped): the lower face moved in the synthesis crop and pasted back, or in the video frame
itself, bilinearly or bicubically (synthesis/stream.py `Synthesizer.warp_space`). `--compare own_lips` (warped): the
matched frame's lips where the face model puts them for its expression, or their shape as the tracker saw them
(synthesis/warp.py `with_tracked_lips`).

    python benchmarks/lower_face.py
    python benchmarks/lower_face.py --compare mouth_interior --identities vox2_741400104,vox2_741400163,vox2_00015
    python benchmarks/lower_face.py --identities vox2_741400104 --env tiny   # a quick check of the script

Never fails on quality: it prints figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench import ROOT, add_video, make_project, run_session
from quality import source

SHOWN = ("psnr_per_frame", "ssim", "sharpness_ratio", "lmd", "mouth_corr", "mouth_std_ratio", "one_face")
COMPARED = {"lower_face": {"render": {"lower_face": "render"}, "warp": {"lower_face": "warp"}},
            "mouth_interior": {"stretched": {"lower_face": "warp", "mouth_interior": "stretched"},
                               "retrieved": {"lower_face": "warp", "mouth_interior": "retrieved"}},
            "surround": {"none": {"lower_face": "warp", "surround": "none"},
                         "faded": {"lower_face": "warp", "surround": "faded"}},
            "warp_space": {"crop/linear": {"lower_face": "warp", "warp_space": "crop", "resampling": "linear"},
                           "frame/linear": {"lower_face": "warp", "warp_space": "frame", "resampling": "linear"},
                           "frame/cubic": {"lower_face": "warp", "warp_space": "frame", "resampling": "cubic"}},
            "own_lips": {"model": {"lower_face": "warp", "own_lips": "model"},
                         "tracked": {"lower_face": "warp", "own_lips": "tracked"}}}


def evaluate(project: Path, identity: str, env: str | None, modes: dict[str, dict]) -> dict[str, dict]:
    clip, split = source(identity)
    add_video(project, identity, clip)
    report = project / "data" / "08_reporting" / identity / "evaluation.json"
    out = {}
    for i, (mode, generate) in enumerate(modes.items()):
        run_session(project, "finetune" if i == 0 else "evaluation", env=env, person_id=identity,
                    generate=generate, **split)
        out[mode] = json.loads(report.read_text())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=sorted(COMPARED), default="lower_face")
    parser.add_argument("--identities", default="vox2_741400104,vox2_00015")
    parser.add_argument("--env", default="base", help="base (the small preset), tiny or paper")
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "results" / "lower_face"))
    args = parser.parse_args()
    project = Path(args.workdir) / "project"
    if not project.exists():
        make_project(project)
    env = None if args.env == "base" else args.env
    lines = [f"| identity | {args.compare} | path | " + " | ".join(SHOWN) + " |", "|---" * (len(SHOWN) + 3) + "|"]
    results = {}
    for identity in args.identities.split(","):
        results[identity] = evaluate(project, identity, env, COMPARED[args.compare])
        for mode, report in results[identity].items():
            cells = [report["table"]["ours"][m] for m in SHOWN]
            lines.append(f"| {identity} | {mode} | {report['refinement_path']} | "
                         + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")
        print("\n".join(lines), flush=True)
    (project / f"{args.compare}.json").write_text(json.dumps(
        {k: {m: r["table"]["ours"] for m, r in v.items()} for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
