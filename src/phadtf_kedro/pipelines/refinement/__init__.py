"""Refinement: the memory-augmented GAN that turns blended renders into photo-real frames of the person."""

from phadtf_kedro.pipelines.refinement.pipeline import create_pipeline

__all__ = ["create_pipeline"]
