"""What a user opens in a browser: Kedro-Viz on a copy of the project, seen through its API and headless Chromium.

The helpers here (a free port, a server that is stopped afterwards, a headless Chromium page) also serve the MLflow UI
test in tests/pipelines/test_mlflow_ui.py. CI installs Chromium (.ci/run); elsewhere the tests skip without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import KEDRO, make_project

CHROMIUM = Path(os.environ.get("PHADTF_CHROMIUM", "/usr/bin/chromium"))
QUIET_ENV = {"KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}


def chromium() -> Path:
    """The headless browser: required on CI (where .ci/run installs it), a skip elsewhere when it is missing."""
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing on CI (.ci/run installs the Debian package chromium)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); CI installs it and runs this test")


def free_port() -> int:
    """A free local TCP port below 49152 (Kedro-Viz refuses the ephemeral range the OS hands out for port 0)."""
    for port in random.sample(range(20000, 49000), 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port between 20000 and 49000")


def get(url: str, data: dict | None = None, timeout: float = 30) -> bytes:
    """GET (or POST a JSON body) and return the response body."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def get_json(url: str, data: dict | None = None) -> dict:
    return json.loads(get(url, data))


@contextlib.contextmanager
def serve(cmd: list[str], cwd: Path, ready_url: str, log: Path, timeout: float = 180):
    """Start a local server, wait until `ready_url` answers, and stop it (its whole process group) afterwards."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **QUIET_ENV})
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{cmd[0]} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                get(ready_url, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{ready_url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def browse(browser: Path, url: str, workdir: Path, screenshot: Path | None = None) -> str:
    """Load `url` in headless Chromium and return the DOM after the page's scripts ran (virtual time, so no sleeping);
    with `screenshot`, the same load also saves a 1400×900 PNG of the page."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={workdir / 'chromium-profile'}",  # a fresh profile: no cache or state from elsewhere
           "--window-size=1400,900", "--virtual-time-budget=15000", "--dump-dom"]
    if screenshot:
        cmd.append(f"--screenshot={screenshot}")
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    if screenshot:
        assert screenshot.is_file() and screenshot.stat().st_size > 10_000, screenshot
        print(f"screenshot of {url}: {screenshot}")
    return done.stdout


def shown_task_nodes(dom: str) -> set[str]:
    """Full names of the task nodes Kedro-Viz drew in its flowchart (SVG <g> elements)."""
    tags = re.findall(r"<g\b[^>]*\bpipeline-node--task\b[^>]*>", dom)
    return {m.group(1) for tag in tags if (m := re.search(r'data-node-fullname="([^"]+)"', tag))}


@pytest.mark.slow
def test_kedro_viz_shows_the_finetune_pipeline(tmp_path):
    browser = chromium()
    project = make_project(tmp_path / "project")
    url = f"http://127.0.0.1:{free_port()}"
    port = url.rsplit(":", 1)[1]
    cmd = [KEDRO, "viz", "run", "--host", "127.0.0.1", "--port", port, "--no-browser", "--params", "person_id=31"]
    with serve(cmd, project, f"{url}/api/main", tmp_path / "viz.log"):
        main = get_json(f"{url}/api/main")
        finetune = get_json(f"{url}/api/pipelines/finetune")
        dom = browse(browser, f"{url}/?pid=finetune", tmp_path, screenshot=tmp_path / "kedro_viz_finetune.png")

    pipelines = {p["id"] for p in main["pipelines"]}
    assert {"finetune", "preprocessing", "reconstruction", "rendering", "audio_motion", "blending"} <= pipelines
    tasks = {n["name"]: n for n in finetune["nodes"] if n["type"] == "task"}
    for stage, node in [("preprocessing", "track_faces"), ("preprocessing", "crop_faces"),
                        ("audio_motion", "finetune_atcnet")]:
        assert {"finetune", stage} <= set(tasks[node]["pipelines"]), node
    assert finetune["selected_pipeline"] == "finetune"

    assert re.search(r'dropdown__label"><span>finetune<', dom), "the finetune pipeline is not the one shown"
    assert shown_task_nodes(dom) == set(tasks), "the flowchart does not draw the finetune pipeline's nodes"
