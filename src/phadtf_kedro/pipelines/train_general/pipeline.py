"""Wiring of the train_general pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.train_general import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.corpus_motion, ["corpus_videos", "params:preprocessing.face_landmarker_model",
                                       "params:train_general.corpus"], ["corpus_motion", "corpus_manifest"],
                 name="corpus_motion"),
            Node(nodes.general_sequences,
                 ["corpus_motion", "all_coefficients", "all_mfcc_windows", "params:train_general"],
                 "general_sequences", name="general_sequences"),
            Node(nodes.train_general_atcnet,
                 ["general_sequences", "corpus_manifest", "atcnet_general_resume", "params:audio_motion.network",
                  "params:train_general"],
                 ["atcnet_general", "train_general_history", "train_general_report"], name="train_general_atcnet"),
            Node(nodes.general_ridge_frames, ["general_sequences", "params:audio_motion.expression"],
                 "ridge_general", name="general_ridge_frames"),
        ],
        tags="train_general",
    )
