"""Wiring of the evaluation pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.evaluation import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.evaluation_plan,
                 ["atcnet", "expression_ridge", "atcnet_calibration", "face_coefficients", "audio_16k",
                  "params:audio_motion.generation", "params:blending",
                  "params:evaluation"], "evaluation_plan", name="evaluation_plan"),
            Node(nodes.evaluation_frames,
                 ["face_model", "refinement_gan", "refinement_gate", "face_coefficients", "face_tracks", "raw_video",
                  "evaluation_plan",
                  "params:blending", "params:generate", "params:evaluation"],
                 "evaluation_frames", name="evaluation_frames"),
            Node(nodes.track_evaluation_frames, ["evaluation_frames", "params:evaluation"], "evaluation_tracks",
                 name="track_evaluation_frames"),
            Node(nodes.evaluation_table,
                 ["evaluation_frames", "evaluation_tracks", "evaluation_plan", "audio_16k", "refinement_gate",
                  "params:generate", "params:evaluation"],
                 ["evaluation_report", "evaluation_metrics", "evaluation_plots", "evaluation_contact_sheet"],
                 name="evaluation_table"),
        ],
        tags="evaluation",
    )
