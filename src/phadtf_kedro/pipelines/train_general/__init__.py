"""train_general: the person-independent ATCNet (audio → expression + pose) over every local person."""

from phadtf_kedro.pipelines.train_general.pipeline import create_pipeline

__all__ = ["create_pipeline"]
