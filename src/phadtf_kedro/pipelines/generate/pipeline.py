"""Wiring of the generate pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.generate import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.driven_motion, ["atcnet", "expression_ridge", "driving_audio"], "driven_motion",
                 name="driven_motion"),
            Node(nodes.plan_generation,
                 ["driven_motion", "face_coefficients", "atcnet_calibration", "params:audio_motion.generation",
                  "params:blending"],
                 "generation_plan", name="plan_generation"),
            Node(nodes.synthesize_video,
                 ["face_model", "refinement_gan", "refinement_gate", "face_coefficients", "face_tracks", "raw_video",
                  "generation_plan",
                  "driving_audio", "params:blending", "params:generate"],
                 "generated_video", name="synthesize_video"),
            Node(nodes.generation_report,
                 ["params:person_id", "params:audio", "generated_video", "generation_plan", "driving_audio"],
                 ["generation_report", "generation_metrics"], name="generation_report"),
        ],
        tags="generate",
    )
