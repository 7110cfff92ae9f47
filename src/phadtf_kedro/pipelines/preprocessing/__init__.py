"""Preprocessing: validate a raw talking-face video, track the face, cut stable crops, extract 16 kHz audio and MFCC windows."""

from phadtf_kedro.pipelines.preprocessing.pipeline import create_pipeline

__all__ = ["create_pipeline"]
