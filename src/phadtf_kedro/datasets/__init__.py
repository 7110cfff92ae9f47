"""Kedro custom datasets for arrays, WAV audio, video and trained networks (kedro-datasets has none of these in the form we need)."""

from phadtf_kedro.datasets.arrays import NpzDataset, TensorsDataset
from phadtf_kedro.datasets.audio import DrivingAudioDataset, WavDataset
from phadtf_kedro.datasets.checkpoints import ATCNetDataset, RefinementGANDataset, ResumeCheckpointDataset
from phadtf_kedro.datasets.partitions import OptionalPartitionedDataset
from phadtf_kedro.datasets.video import TalkingVideoDataset, VideoDataset, VideoFolderDataset

__all__ = ["ATCNetDataset", "DrivingAudioDataset", "NpzDataset", "OptionalPartitionedDataset", "RefinementGANDataset",
           "ResumeCheckpointDataset", "TalkingVideoDataset", "TensorsDataset", "VideoDataset", "VideoFolderDataset",
           "WavDataset"]
