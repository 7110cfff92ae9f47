"""Project pipelines: each stage is found by `find_pipelines`; the user-facing ones are composed here.

- `finetune`: everything that learns one person from their video and measures the result: preprocessing →
  reconstruction → rendering → audio_motion → blending → refinement → evaluation.
- `generate` (its own folder): a finetuned person says any audio.
- `demo_sample`: writes the embedded demo person's video, data/01_raw/videos/demo.mp4.
"""

from __future__ import annotations

import contextlib

from kedro.framework import project
from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

FINETUNE_STAGES = ["preprocessing", "reconstruction", "rendering", "audio_motion", "blending", "refinement",
                   "evaluation"]


@contextlib.contextmanager
def _every_stage():
    """Kedro ≥ 1.7 imports only the pipeline folders named by `--pipelines`; composed pipelines such as `finetune`
    have no folder of their own and need all their stages, so lift that filter while finding them."""
    requested = project.pipelines._requested_pipelines
    project.pipelines._requested_pipelines = None
    try:
        yield
    finally:
        project.pipelines._requested_pipelines = requested


def register_pipelines() -> dict[str, Pipeline]:
    with _every_stage():
        pipelines = find_pipelines(raise_errors=True)
    pipelines["finetune"] = sum((pipelines[s] for s in FINETUNE_STAGES), Pipeline([]))
    pipelines["__default__"] = pipelines["finetune"]
    return pipelines
