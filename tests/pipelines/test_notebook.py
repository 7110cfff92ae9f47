"""notebooks/walkthrough.ipynb runs top to bottom on a finished finetune (31.mp4, tiny preset), so it cannot rot."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_walkthrough_notebook_executes(run31, monkeypatch):
    monkeypatch.setenv("PHADTF_PROJECT", str(run31))
    monkeypatch.setenv("PHADTF_PERSON", "31")
    monkeypatch.setenv("PHADTF_ENV", "tiny")
    notebook = nbformat.read(ROOT / "notebooks" / "walkthrough.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(run31)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "project" in text and "ours" in text and "lmd" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4  # crops, renders, frames, plots
