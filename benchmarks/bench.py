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
