"""Rendering: the person's textured, lit face mesh re-rendered headless (RGB, alpha, normals) from coefficients."""

from phadtf_kedro.pipelines.rendering.pipeline import create_pipeline

__all__ = ["create_pipeline"]
