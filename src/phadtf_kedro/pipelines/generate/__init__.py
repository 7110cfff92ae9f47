"""generate: a trained person + any speech audio → a talking video of that person (full frame, crop, preview)."""

from phadtf_kedro.pipelines.generate.pipeline import create_pipeline

__all__ = ["create_pipeline"]
