"""Real recordings are required under CI: a missing ../shared/data fails the tests there instead of skipping them."""

from __future__ import annotations

import pytest

from tests.conftest import shared


def test_missing_shared_data_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI runs every test on the real recordings"):
        shared(tmp_path / "absent.mp4")


def test_missing_shared_data_skips_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        shared(tmp_path / "absent.mp4")
