"""Issue 17's run guards, fast: person_id and audio keep the text typed (cases 2, 3), strict parameters (case 7), a
killed run's temp files go (case 8), one run per person (case 9)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import click
import pytest
from kedro.config import OmegaConfigLoader

from phadtf_kedro.cli import run as run_command
from phadtf_kedro.cli import split_params_literal
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.hooks import validate_name
from phadtf_kedro.locking import PersonLock, clean_leftovers
from phadtf_kedro.params_schema import RULES, check_parameters, leaves
from tests.conftest import ROOT, make_project, run_session


def _parse(text: str) -> dict:
    option = next(p for p in run_command.params if p.name == "params")
    return split_params_literal(click.Context(run_command), option, text)


def test_person_id_and_audio_keep_the_typed_text():
    parsed = _parse("person_id=007,audio=0x1F,preprocessing.min_seconds=2")
    assert parsed == {"person_id": "007", "audio": "0x1F", "preprocessing": {"min_seconds": 2}}
    assert _parse("person_id=yes") == {"person_id": "yes"} and _parse("person_id=") == {"person_id": ""}


@pytest.mark.parametrize("value", [True, None, 1.5, ""])
def test_retyped_or_empty_names_are_refused(value):
    with pytest.raises(PhadtfError, match=r"^person_id .*(must be text|must match)"):
        validate_name("person_id", value)


def test_the_general_models_folder_is_no_person():
    with pytest.raises(PhadtfError, match=r"^person_id 'general': reserved"):
        validate_name("person_id", "general")


def test_person_folders_are_found_at_their_layer_only(tmp_path):
    """A person named like a folder on the way ('data', a layer) must not widen the cleanup to other persons."""
    from kedro.io import DataCatalog
    from kedro.pipeline import Node, Pipeline

    from phadtf_kedro.datasets import NpzDataset
    from phadtf_kedro.hooks import person_paths

    project = tmp_path / "data"
    catalog = DataCatalog({"a": NpzDataset(str(project / "data/02_intermediate/data/x.npz")),
                           "b": NpzDataset(str(project / "data/03_primary/data/face_tracks.npz")),
                           "c": NpzDataset(str(project / "data/04_feature/other/y.npz"))})
    pipeline = Pipeline([Node(lambda a, c: a, ["a", "c"], "b")])
    folders, personal = person_paths(pipeline, catalog, "data", project)
    assert personal and folders == {project / "data/02_intermediate/data", project / "data/03_primary/data"}


def test_names_outside_data_are_refused():
    with pytest.raises(PhadtfError, match=r"^audio '\.\./\.\./outside/speech': must match"):
        validate_name("audio", "../../outside/speech")
    assert validate_name("person_id", "007") == "007" and validate_name("person_id", 31) == "31"


def _parameters(env: str = "base") -> dict:
    args = {"base_env": "base", "default_run_env": "base", "merge_strategy": {"parameters": "soft"}}
    return OmegaConfigLoader(str(ROOT / "conf"), env=env, **args)["parameters"]


def test_base_and_presets_pass_and_every_rule_names_a_base_key():
    base = _parameters()
    assert set(RULES) <= dict(leaves(base)).keys()
    for env in ("base", "tiny", "paper"):
        check_parameters(_parameters(env), base)


@pytest.mark.parametrize(("override", "message"), [
    ({"audio_motion": {"finetune": {"epocs": 3}}},
     "parameter audio_motion.finetune.epocs: unknown key, conf/base defines no such parameter "
     "(did you mean audio_motion.finetune.epochs?)"),
    ({"preprocessing": {"min_seconds": -1}}, "parameter preprocessing.min_seconds=-1: input should be greater than 0"),
    ({"preprocessing": {"min_detection_rate": 0}}, "parameter preprocessing.min_detection_rate=0: input should be "
                                                   "greater than 0"),
    ({"refinement": {"training": {"batch_size": 2.5}}}, "parameter refinement.training.batch_size=2.5: input should be "
                                                        "a valid integer"),
    ({"blending": 3}, "parameter blending: must be a mapping of parameters as in conf/base, got 3"),
    ({"generate": {"lower_face": "morph"}}, "parameter generate.lower_face='morph': input should be 'warp' or 'render'"),
])
def test_bad_parameters_stop_with_one_line(override, message):
    from omegaconf import OmegaConf

    params = OmegaConf.to_container(OmegaConf.merge(_parameters(), override))
    with pytest.raises(PhadtfError) as info:
        check_parameters(params, _parameters())
    assert str(info.value) == message


def test_a_run_with_an_unknown_key_writes_nothing(tmp_path):
    project = make_project(tmp_path / "project")
    with pytest.raises(PhadtfError, match=r"parameter audio_motion\.finetune\.epocs: unknown key"):
        run_session(project, "preprocessing", person_id="p", audio_motion={"finetune": {"epocs": 3}})
    assert not (project / "mlflow.db").exists() and not (project / "data" / ".locks").exists()


def _kill_mid_write(target) -> None:
    """A real leftover: a process killed (SIGKILL) inside the project's atomic write."""
    script = textwrap.dedent(f"""
        import os, signal
        from phadtf_kedro.atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_bytes(b"x" * 2**20)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == -signal.SIGKILL


def test_next_run_of_the_person_clears_a_killed_runs_temp_files(tmp_path):
    project = make_project(tmp_path / "project")
    mine, other = project / "data" / "02_intermediate" / "p", project / "data" / "02_intermediate" / "q"
    _kill_mid_write(mine / "face_crops.npz")
    _kill_mid_write(other / "face_crops.npz")
    assert len(list(mine.glob(".face_crops.npz.*.part"))) == 1
    with pytest.raises(PhadtfError, match=r"p\.mp4: file not found"):  # the run itself fails later, on its input
        run_session(project, "preprocessing", person_id="p")
    assert not list(mine.iterdir())
    assert len(list(other.iterdir())) == 1  # another person's files are not this run's business


def test_a_finished_folder_moved_aside_is_put_back(tmp_path):
    (tmp_path / ".videos.old").mkdir()
    (tmp_path / ".videos.old" / "video.mp4").write_bytes(b"v")
    (tmp_path / ".videos.abc123.part").mkdir()
    assert clean_leftovers([tmp_path]) == [tmp_path / ".videos.abc123.part"]
    assert (tmp_path / "videos" / "video.mp4").read_bytes() == b"v"


@pytest.fixture
def holder(tmp_path):
    """Another process holding person p's lock."""
    script = textwrap.dedent(f"""
        import sys, time
        from phadtf_kedro.locking import PersonLock
        PersonLock({str(tmp_path / "locks")!r}, "p").acquire()
        print("held", flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_second_run_of_a_person_is_refused_naming_the_holder(tmp_path, holder):
    with pytest.raises(PhadtfError) as info:
        PersonLock(tmp_path / "locks", "p").acquire()
    message = str(info.value)
    assert f"person 'p' is already being run by PID {holder.pid} on {socket.gethostname()}, started 20" in message
    assert "\n" not in message
    PersonLock(tmp_path / "locks", "q").acquire().release()  # other persons are free


def test_lock_of_a_killed_run_is_taken_over(tmp_path, holder):
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    lock = PersonLock(tmp_path / "locks", "p").acquire()
    assert lock.taken_over["pid"] == holder.pid
    lock.release()
    PersonLock(tmp_path / "locks", "p").acquire().release()


def test_a_session_of_a_locked_person_stops_before_writing(tmp_path):
    project = make_project(tmp_path / "project")
    script = textwrap.dedent(f"""
        import time
        from phadtf_kedro.locking import PersonLock
        PersonLock({str(project / "data" / ".locks")!r}, "p").acquire()
        print("held", flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(PhadtfError, match=rf"person 'p' is already being run by PID {proc.pid} on "):
            run_session(project, "preprocessing", person_id="p")
    finally:
        proc.kill()
        proc.wait()
    assert not (project / "data" / "02_intermediate").exists()
