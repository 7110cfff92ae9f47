"""Reconstruction: per-frame expression | pose | light coefficients and the person's face model (shape, texture, camera)."""

from phadtf_kedro.pipelines.reconstruction.pipeline import create_pipeline

__all__ = ["create_pipeline"]
