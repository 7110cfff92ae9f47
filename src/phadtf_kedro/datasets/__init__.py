"""Kedro custom datasets for arrays, WAV audio and video (kedro-datasets has none of these in the form we need)."""

from phadtf_kedro.datasets.arrays import NpzDataset
from phadtf_kedro.datasets.audio import WavDataset
from phadtf_kedro.datasets.video import VideoDataset

__all__ = ["NpzDataset", "VideoDataset", "WavDataset"]
