"""How the lower face is made (`generate.lower_face`: render or warp), compared on *validation* identities.

The default of `generate.lower_face` is chosen here, on corpus speakers that `benchmarks/quality.py` never reports
(vox2_741400104 and vox2_00015 by default), never on the reported ones. For each identity: the user's finetune
(train on the first 60 %), then the evaluation pipeline twice on the same held-out frames — once with the rendered
lower face (the paper's render → blend → refine, refined or blended as the refinement gate chose) and once with the
matched frame's own lower face mesh-warped to the generated expression — and one table of the `ours` row.

    python benchmarks/lower_face.py
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
MODES = ("render", "warp")


def evaluate(project: Path, identity: str, env: str | None) -> dict[str, dict]:
    clip, split = source(identity)
    add_video(project, identity, clip)
    report = project / "data" / "08_reporting" / identity / "evaluation.json"
    out = {}
    for i, mode in enumerate(MODES):
        run_session(project, "finetune" if i == 0 else "evaluation", env=env, person_id=identity,
                    generate={"lower_face": mode}, **split)
        out[mode] = json.loads(report.read_text())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", default="vox2_741400104,vox2_00015")
    parser.add_argument("--env", default="base", help="base (the small preset), tiny or paper")
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "results" / "lower_face"))
    args = parser.parse_args()
    project = Path(args.workdir) / "project"
    if not project.exists():
        make_project(project)
    env = None if args.env == "base" else args.env
    lines = ["| identity | lower_face | path | " + " | ".join(SHOWN) + " |", "|---" * (len(SHOWN) + 3) + "|"]
    results = {}
    for identity in args.identities.split(","):
        results[identity] = evaluate(project, identity, env)
        for mode, report in results[identity].items():
            cells = [report["table"]["ours"][m] for m in SHOWN]
            lines.append(f"| {identity} | {mode} | {report['refinement_path']} | "
                         + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")
        print("\n".join(lines), flush=True)
    (project / "lower_face.json").write_text(json.dumps(
        {k: {m: r["table"]["ours"] for m, r in v.items()} for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
