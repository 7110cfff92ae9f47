"""Inputs a hostile user found accepted or misread (issue 17): a phone clip (rotation in its display matrix) is tracked
upright; a clip whose pixels lie sideways, and a video whose soundtrack is silent, are refused with one line and write
nothing."""

from __future__ import annotations

import pytest

from phadtf_kedro.errors import PhadtfError
from tests.conftest import add_video, load_npz, make_project, run_session
from tests.hostile_clips import rotation_clips

pytestmark = pytest.mark.slow
SHORT = {"preprocessing": {"min_seconds": 2}}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return rotation_clips(tmp_path_factory.mktemp("hostile"))


def _outputs(project, person):
    return sorted(p for p in (project / "data").rglob("*") if p.is_file() and f"/{person}/" in str(p))


def test_phone_clip_is_tracked_upright(tmp_path, clips):
    project = make_project(tmp_path / "project")
    add_video(project, "phone", clips / "phone.mp4")
    run_session(project, "preprocessing", person_id="phone", **SHORT)
    tracks = load_npz(project / "data" / "03_primary" / "phone" / "face_tracks.npz")
    assert len(tracks["num_faces"]) == 100 and (tracks["num_faces"] == 1).all()
    assert tuple(tracks["frame_size"]) == (640, 360)


def test_sideways_pixels_are_refused(tmp_path, clips):
    project = make_project(tmp_path / "project")
    add_video(project, "side", clips / "sideways.mp4")
    with pytest.raises(PhadtfError, match=r"side\.mp4: the face is turned -?9\d° in the picture") as info:
        run_session(project, "preprocessing", person_id="side", **SHORT)
    assert "\n" not in str(info.value) and not _outputs(project, "side")


def test_silent_soundtrack_is_refused(tmp_path, clips):
    project = make_project(tmp_path / "project")
    add_video(project, "mute", clips / "mute.mp4")
    with pytest.raises(PhadtfError, match=r"mute\.mp4: audio is silent \(RMS -\d+ dBFS, below -60 dBFS\)"):
        run_session(project, "preprocessing", person_id="mute", **SHORT)
    assert not _outputs(project, "mute")
