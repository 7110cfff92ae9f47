"""Wiring of the train_general pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.train_general import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.general_sequences, ["all_coefficients", "all_mfcc_windows", "params:train_general"],
                 "general_sequences", name="general_sequences"),
            Node(nodes.train_general_atcnet,
                 ["general_sequences", "atcnet_general_resume", "params:audio_motion.network", "params:train_general"],
                 ["atcnet_general", "train_general_history", "train_general_report"], name="train_general_atcnet"),
        ],
        tags="train_general",
    )
