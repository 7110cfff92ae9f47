"""What every benchmark script starts from: the repository importable, the base (`small`) parameters, and a throwaway
copy of the project with a person whose earlier stages have run (untimed)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import KEDRO, SHARED_DATA, VIDEO_31, add_video, load_npz, make_project, run_session  # noqa: E402,F401


def base_params(stage: str) -> dict:
    """conf/base/parameters_<stage>.yml's `<stage>` block."""
    return yaml.safe_load((ROOT / "conf" / "base" / f"parameters_{stage}.yml").read_text())[stage]


def project_with(root: Path, video: Path, stages: list[str], env: str | None = "tiny", person: str = "bench",
                 **runtime_params) -> Path:
    """A project in `root` holding `video` as `person`, with `stages` run (preprocessing always at base settings)."""
    project = make_project(root / "project")
    add_video(project, person, video)
    for stage in stages:
        run_session(project, stage, env=None if stage == "preprocessing" else env, person_id=person, **runtime_params)
    return project


def tracked_clips(corpus: Path, cache: Path | None) -> dict[str, dict]:
    """Every corpus clip's MFCC windows and tracked motion, as train_general tracks them (training/corpus.py); with a
    `cache` folder, one .npz per clip is read when present and written when not."""
    import numpy as np

    from phadtf_kedro.face.tracker import resolve_model_path
    from phadtf_kedro.training.corpus import clip_motion

    landmarker, out = resolve_model_path(None), {}
    for path in sorted(corpus.glob("*.mp4")):
        cached = cache / f"{path.stem}.npz" if cache else None
        if cached and cached.exists():
            out[path.stem] = dict(np.load(cached))
            continue
        out[path.stem] = clip_motion(path, landmarker)
        if cached:
            cache.mkdir(parents=True, exist_ok=True)
            np.savez(cached, **out[path.stem])
    return out
