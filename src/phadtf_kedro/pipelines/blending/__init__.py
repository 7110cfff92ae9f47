"""Blending: the rendered face composited onto pose-matched background frames of the person (hole-filled, feathered)."""

from phadtf_kedro.pipelines.blending.pipeline import create_pipeline

__all__ = ["create_pipeline"]
