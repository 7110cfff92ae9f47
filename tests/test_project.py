"""The project's packaging: pins agree across pyproject.toml and environment.yml; one OpenCV; person_id rule."""

import importlib.metadata as md
import tomllib

import pytest
import yaml

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.hooks import validate_person_id
from tests.conftest import ROOT

PINNED = {"kedro": "1.7.0", "kedro-datasets": "9.6.0", "kedro-viz": "12.5.0", "kedro-mlflow": "2.0.3",
          "mlflow": "3.17.2", "torch": "2.13.0", "librosa": "0.11.0", "scikit-image": "0.26.0", "scikit-learn": "1.9.1",
          "mediapipe": "1.2.2",
          "moderngl": "5.13.0"}


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements():
    out = {}
    for req in _pyproject()["project"]["dependencies"]:
        name, _, version = req.partition("==")
        out[name.strip().lower()] = version.strip() or None
    return out


def test_pins_that_matter():
    reqs = _requirements()
    for name, version in PINNED.items():
        assert reqs.get(name) == version, name


def test_installed_versions_match_the_pins():
    for name, version in PINNED.items():
        assert md.version(name).split("+")[0] == version, name


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    assert python == "python=3.11" and "3.11" in _pyproject()["project"]["requires-python"]
    assert "ffmpeg" in deps and "pip" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e ." in pip_section or "." in pip_section  # the project itself, so pyproject's pins apply
    reqs = _requirements()
    for line in pip_section:  # anything pinned in both places must agree
        name, sep, version = line.partition("==")
        if sep:
            assert reqs.get(name.strip().lower()) == version.strip(), line


def test_exactly_one_opencv_distribution():
    names = {d.metadata["Name"].lower() for d in md.distributions()}
    opencv = sorted(n for n in names if n.startswith("opencv"))
    assert len(opencv) == 1, opencv
    import cv2

    assert cv2.resize is not None


@pytest.mark.parametrize("good", ["31", "demo", "Obama_2-b", "x" * 64])
def test_person_id_accepts(good):
    assert validate_person_id(good) == good


@pytest.mark.parametrize("bad", ["../x", "", "a/b", "é", "x" * 65, "a b", "31.mp4"])
def test_person_id_rejects_with_one_line(bad):
    with pytest.raises(PhadtfError, match=r"person_id .*must match") as info:
        validate_person_id(bad)
    assert "\n" not in str(info.value)
