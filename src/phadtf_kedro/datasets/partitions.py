"""Kedro's PartitionedDataset, except that a folder with no partitions (missing, or empty) loads as {}: a pipeline that
can learn from several optional sources (train_general: a corpus, local persons) then says in one line what it
needed, instead of a DatasetError about one of them."""

from __future__ import annotations

from typing import Any

from kedro.io import DatasetError
from kedro_datasets.partitions import PartitionedDataset


class OptionalPartitionedDataset(PartitionedDataset):
    def load(self) -> dict[str, Any]:
        try:
            return super().load()
        except DatasetError as exc:
            if "No partitions found" in str(exc):
                return {}
            raise
