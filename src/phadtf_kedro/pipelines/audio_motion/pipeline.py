"""Wiring of the audio_motion pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.audio_motion import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.motion_sequences, ["face_coefficients", "mfcc_windows"], "motion_sequences",
                 name="motion_sequences"),
            Node(nodes.finetune_atcnet,
                 ["motion_sequences", "atcnet_general", "atcnet_resume", "params:audio_motion.network",
                  "params:audio_motion.finetune", "params:audio_motion.expression.model",
                  "params:audio_motion.calibration"],
                 ["atcnet", "audio_motion_history", "atcnet_training"], name="finetune_atcnet"),
            Node(nodes.fit_expression_ridge,
                 ["motion_sequences", "ridge_general", "params:audio_motion.expression"], "expression_ridge",
                 name="fit_expression_ridge"),
            Node(nodes.calibrate_atcnet,
                 ["atcnet", "expression_ridge", "ridge_general", "motion_sequences", "params:audio_motion.calibration",
                  "params:audio_motion.expression"],
                 "atcnet_calibration", name="calibrate_atcnet"),
            Node(nodes.predict_motion, ["atcnet", "expression_ridge", "motion_sequences"], "heldout_motion",
                 name="predict_motion"),
            Node(nodes.audio_motion_report,
                 ["params:person_id", "atcnet", "motion_sequences", "heldout_motion", "atcnet_training",
                  "atcnet_calibration", "params:audio_motion.finetune"],
                 ["audio_motion_report", "audio_motion_metrics"], name="audio_motion_report"),
        ],
        tags="audio_motion",
    )
