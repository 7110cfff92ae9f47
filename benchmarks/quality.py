"""End-to-end quality on several identities: the yardstick every quality claim of the project is measured with.

For 31.mp4 (train on its first 12 s, as the paper) and corpus clips of other speakers (train on their first 60 %),
runs the user's finetune (preprocessing … refinement, then the evaluation pipeline) and prints one table: every
evaluation row and metric per identity, and mean ± sd over identities, plus the wall time of each. The rows are those
of `evaluation.json` (`ours` is generate's path end to end, driven by the held-out audio). Logs the table to MLflow
(run `quality · N identities` in the project's mlflow.db) and writes `quality.json` / `quality.md` there.

    python benchmarks/quality.py                       # small preset (conf/base), 31 + 3 corpus clips
    python benchmarks/quality.py --env tiny --identities 31   # a quick check of the script itself

The corpus clips used here are never used to choose hyper-parameters (see conf/ comments for what was).
Never fails on quality or time: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from bench import ROOT, SHARED_DATA, VIDEO_31, add_video, make_project, run_session

from phadtf_kedro.evaluation.plan import ROWS
from phadtf_kedro.video.ffmpeg import probe

CORPUS = SHARED_DATA / "corpus"
# three speakers (no clip of a speaker who has two), each ≥ 7 s so that 40 % held out is ≥ 2.8 s
DEFAULT_IDENTITIES = ("31", "vox2_00098", "vox2_681100216", "vox2_796100172")
SHOWN = ("psnr_per_frame", "ssim", "sharpness_ratio", "lmd", "mouth_corr", "mouth_std_ratio", "sync_corr",
         "pose_std_ratio", "hs", "hs_velocity", "beat_align")


def source(identity: str) -> tuple[Path, dict]:
    """The clip and the runtime parameters of its split: 31 keeps the paper's 12 s, corpus clips train on 60 %."""
    if identity == "31":
        return VIDEO_31, {}
    clip = CORPUS / f"{identity}.mp4"
    train = round(0.6 * probe(clip).duration, 2)
    return clip, {"preprocessing": {"min_seconds": train}, "reconstruction": {"train_seconds": train}}


def evaluate(project: Path, identity: str, env: str | None) -> tuple[dict, float]:
    clip, split = source(identity)
    add_video(project, identity, clip)
    start = time.perf_counter()
    run_session(project, "finetune", env=env, person_id=identity, **split)
    report = json.loads((project / "data" / "08_reporting" / identity / "evaluation.json").read_text())
    return report, time.perf_counter() - start


def summary(reports: dict[str, dict]) -> dict[str, dict[str, dict[str, float]]]:
    """mean and sd over identities of every row's metrics (None cells left out)."""
    out: dict = {}
    for row in ROWS:
        for metric in reports[next(iter(reports))]["table"][row]:
            values = [r["table"][row][metric] for r in reports.values() if r["table"][row][metric] is not None]
            if values:
                out.setdefault(row, {})[metric] = {"mean": float(np.mean(values)), "sd": float(np.std(values)),
                                                    "n": len(values)}
    return out


def markdown(reports: dict[str, dict], stats: dict, walls: dict[str, float]) -> str:
    lines = []
    for identity, report in reports.items():
        lines += [f"\n{identity}: {report['heldout_frames']} held-out frames, finetune + evaluation "
                  f"{walls[identity] / 60:.1f} min", "", "| row | " + " | ".join(SHOWN) + " |",
                  "|---" * (len(SHOWN) + 1) + "|"]
        for row in ROWS:
            cells = [report["table"][row][m] for m in SHOWN]
            lines.append(f"| {row} | " + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")
    lines += [f"\nmean ± sd over {len(reports)} identities", "", "| row | " + " | ".join(SHOWN) + " |",
              "|---" * (len(SHOWN) + 1) + "|"]
    for row in ROWS:
        cells = [stats.get(row, {}).get(m) for m in SHOWN]
        lines.append(f"| {row} | " + " | ".join("—" if c is None else f"{c['mean']:.3f} ± {c['sd']:.3f}"
                                                for c in cells) + " |")
    lines.append(f"\nwall time: {sum(walls.values()) / 60:.1f} min in all")
    return "\n".join(lines)


def log_to_mlflow(project: Path, reports: dict, stats: dict, text: str) -> None:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    mlflow.set_experiment("phadtf_kedro")
    with mlflow.start_run(run_name=f"quality · {len(reports)} identities"):
        mlflow.set_tags({"pipeline": "quality", "identities": ",".join(reports)})
        mlflow.log_metrics({f"quality.{row}.{m}": v["mean"] for row, ms in stats.items() for m, v in ms.items()})
        mlflow.log_text(text, "quality.md")
        mlflow.log_dict({"identities": {k: r["table"] for k, r in reports.items()}, "mean_sd": stats}, "quality.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", default=",".join(DEFAULT_IDENTITIES))
    parser.add_argument("--env", default="base", help="base (the small preset), tiny or paper")
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "results" / "quality"))
    args = parser.parse_args()
    project = Path(args.workdir) / "project"
    if project.exists():  # a rerun continues (finished stages return at once) with today's configuration
        for env_dir in (ROOT / "conf").iterdir():
            if env_dir.name != "local":
                shutil.rmtree(project / "conf" / env_dir.name, ignore_errors=True)
                shutil.copytree(env_dir, project / "conf" / env_dir.name)
    else:
        make_project(project)
    env = None if args.env == "base" else args.env
    reports, walls = {}, {}
    for identity in args.identities.split(","):
        reports[identity], walls[identity] = evaluate(project, identity, env)
        print(f"{identity}: {walls[identity] / 60:.1f} min", flush=True)
    stats = summary(reports)
    text = markdown(reports, stats, walls)
    (project / "quality.md").write_text(text)
    (project / "quality.json").write_text(json.dumps({"identities": {k: r["table"] for k, r in reports.items()},
                                                      "mean_sd": stats, "wall_s": walls}, indent=2))
    log_to_mlflow(project, reports, stats, text)
    print(text)


if __name__ == "__main__":
    main()
