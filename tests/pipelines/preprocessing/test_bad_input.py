"""Bad input: one clear line naming the file and the failed check, nothing written, other outputs untouched."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from phadtf_kedro.errors import PhadtfError
from tests.conftest import KATIE_8S, VIDEO_31, add_video, ffmpeg, make_project, run_cli, run_session, shared

pytestmark = pytest.mark.slow
SHORT = {"preprocessing": {"min_seconds": 2}}  # short test clips; the 12 s rule has its own test (katie_8s)
STAGE = "preprocessing"  # where every check here lives (the CLI tests below run the user's finetune command)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    src, d = str(shared(VIDEO_31)), tmp_path_factory.mktemp("clips")
    small = ["-vf", "scale=640:360"]
    ffmpeg("-i", src, "-t", "4", *small, "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
           "-movflags", "+faststart", str(d / "ok.mp4"))
    for fps in (30, 60):
        ffmpeg("-i", src, "-t", "4", "-vf", f"scale=640:360,fps={fps}", "-r", str(fps), "-c:v", "libx264",
               "-preset", "veryfast", "-c:a", "aac", str(d / f"fps{fps}.mp4"))
    ffmpeg("-i", str(d / "ok.mp4"), "-an", "-c:v", "copy", str(d / "silent.mp4"))
    ffmpeg("-i", str(d / "ok.mp4"), "-t", "3", "-filter_complex", "[0:v]split[a][b];[a][b]hstack", "-c:v", "libx264",
           "-preset", "veryfast", "-c:a", "aac", str(d / "two.mp4"))
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i",
           "sine=frequency=300:duration=3", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(d / "noface.mp4"))
    data = (d / "ok.mp4").read_bytes()
    (d / "cut.mp4").write_bytes(data[: int(len(data) * 0.5)])  # moov in front: the header promises 4 s, half decodes
    (d / "nomoov.mp4").write_bytes(shared(VIDEO_31).read_bytes()[:300_000])  # moov at the end: unreadable container
    return d


@pytest.fixture(scope="module")
def proj(tmp_path_factory, clips):
    project = make_project(tmp_path_factory.mktemp("bad") / "project")
    add_video(project, "other", clips / "ok.mp4")
    run_session(project, STAGE, person_id="other", **SHORT)
    return project


def _digest(project, person):
    files = sorted(p for p in (project / "data").rglob("*") if p.is_file() and f"/{person}/" in str(p))
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _fails(project, person, clip, match, **params):
    if clip is not None:
        add_video(project, person, clip)
    before_other, before_self = _digest(project, "other"), _digest(project, person)
    with pytest.raises(PhadtfError, match=match) as info:
        run_session(project, STAGE, person_id=person, **(params or SHORT))
    assert "\n" not in str(info.value)
    assert _digest(project, "other") == before_other and _digest(project, person) == before_self
    return str(info.value)


def test_missing_file(proj):
    _fails(proj, "nobody", None, r"nobody\.mp4: file not found")


def test_container_without_index(proj, clips):
    _fails(proj, "nomoov", clips / "nomoov.mp4", r"nomoov\.mp4: not a readable media file")


def test_truncated_video(proj, clips):
    _fails(proj, "cut", clips / "cut.mp4", r"cut\.mp4: video does not decode to its end")


def test_no_audio_track(proj, clips):
    _fails(proj, "silent", clips / "silent.mp4", r"silent\.mp4: no audio track")


def test_shorter_than_min_seconds(proj):
    _fails(proj, "katie", shared(KATIE_8S), r"katie\.mp4: 8\.\d+ s is shorter than min_seconds=12",
           preprocessing={"min_seconds": 12})


def test_no_face(proj, clips):
    _fails(proj, "noface", clips / "noface.mp4", r"noface\.mp4: one face found in 0\.0% of frames")


def test_two_faces(proj, clips):
    _fails(proj, "two", clips / "two.mp4", r"two\.mp4: two or more faces")


def test_failed_rerun_keeps_earlier_outputs(proj, clips):
    """A person whose good outputs exist, re-run on a bad video: the error, and the old outputs stay as they were."""
    assert _digest(proj, "other")
    add_video(proj, "other", clips / "silent.mp4")
    try:
        _fails(proj, "other", None, r"no audio track")
    finally:
        add_video(proj, "other", clips / "ok.mp4")


@pytest.mark.parametrize("fps", [30, 60])
def test_other_frame_rates_are_resampled(tmp_path, clips, fps):
    project = make_project(tmp_path / "prôjet données")  # a non-ASCII path on the way, too
    add_video(project, "p", clips / f"fps{fps}.mp4")
    run_session(project, STAGE, person_id="p", **SHORT)
    import numpy as np

    with np.load(project / "data" / "03_primary" / "p" / "face_tracks.npz") as tracks:
        assert len(tracks["num_faces"]) == 100 and (tracks["num_faces"] == 1).all()


def test_cli_shows_one_line_not_a_traceback(proj, clips):
    add_video(proj, "cut", clips / "cut.mp4")
    result = run_cli(proj, "--pipeline=finetune", "--params", "person_id=cut,preprocessing.min_seconds=2")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "cut.mp4: video does not decode to its end" in last


def test_bad_person_id_stops_before_anything_is_written(tmp_path):
    project = make_project(tmp_path / "project")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = run_cli(project, "--pipeline=finetune", "--params", "person_id=../x")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: person_id '../x': must match [A-Za-z0-9_-]{1,64} (it names folders under data/)")
    after = sorted(p.relative_to(project) for p in project.rglob("*") if ".kedro" not in str(p))
    assert after == before  # no mlflow.db, no data folders
    shutil.rmtree(project)
