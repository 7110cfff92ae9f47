"""Shared test helpers: real recordings from ../shared/data, a throwaway copy of the Kedro project, ffmpeg clip makers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phadtf_kedro.video.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PHADTF_SHARED_DATA", ROOT.parent / "shared" / "data"))
VIDEO_31 = SHARED_DATA / "videos" / "31.mp4"
KATIE_8S = SHARED_DATA / "videos" / "katie_8s.mp4"
KEDRO = str(Path(sys.executable).with_name("kedro"))


def load_npz(path: Path) -> dict:
    """All arrays of an .npz file."""
    import numpy as np

    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def shared(path: Path) -> Path:
    """A file of ../shared/data: a skip where it is missing, but a failure under CI, which must test on real data."""
    if not path.is_file():
        message = f"{path} not found (set PHADTF_SHARED_DATA)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}: CI runs every test on the real recordings", pytrace=False)
        pytest.skip(message)
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def make_project(root: Path) -> Path:
    """A runnable copy of the project's configuration (code comes from the installed package)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    (root / ".telemetry").write_text("consent: false\n")
    (root / "src").mkdir()  # the code is the installed package; Kedro only wants the folder
    (root / "data" / "01_raw" / "videos").mkdir(parents=True)
    return root


def add_video(project: Path, person_id: str, source: Path) -> Path:
    target = project / "data" / "01_raw" / "videos" / f"{person_id}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()
    target.symlink_to(source.resolve())
    return target


def run_session(project: Path, pipeline: str = "finetune", env: str | None = None,
                node_names: list[str] | None = None, **runtime_params) -> dict:
    """Run a pipeline (or only its `node_names`) in-process through a KedroSession, the way `kedro run` does."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    old = Path.cwd()
    os.chdir(project)
    try:
        bootstrap_project(project)
        with KedroSession.create(project_path=project, env=env, runtime_params=runtime_params) as session:
            return session.run(pipeline_names=[pipeline], node_names=node_names)
    finally:
        os.chdir(old)


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment for a `kedro` child, less the MLFLOW_TRACKING_URI that mlflow.set_tracking_uri()
    exported here after an in-process session (the child would log into that other project's store)."""
    return {**{k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}, **extra}


def run_cli(project: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the user's command line in the project folder (with the project's own tracking store: the
    MLFLOW_TRACKING_URI that mlflow.set_tracking_uri() exported from this test process is not passed on)."""
    env = cli_env(KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    return subprocess.run([KEDRO, "run", *args], cwd=project, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def kill_mid_training(script: str, checkpoint: Path, min_epoch: int, timeout: float = 120.0) -> dict:
    """Run a training `script` (argv[1] = checkpoint path) in a child process, SIGKILL it once its checkpoint is
    mid-epoch at epoch ≥ min_epoch, and return that checkpoint's metadata."""
    import signal
    import time

    from phadtf_kedro.training.checkpoint import read_meta

    proc = subprocess.Popen([sys.executable, "-c", script, str(checkpoint)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + timeout
    while time.time() < deadline and not (checkpoint.is_file() and read_meta(checkpoint)["batches_done"] > 0
                                          and read_meta(checkpoint)["epoch"] >= min_epoch):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return read_meta(checkpoint)
