"""Wiring of the refinement pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.refinement import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.train_refinement_gan,
                 ["blended_train", "face_crops", "refinement_resume", "params:refinement.network",
                  "params:refinement.training", "params:refinement.gate", "params:refinement.train",
                  "params:generate"],
                 ["refinement_gan", "refinement_history"], name="train_refinement_gan"),
            Node(nodes.gate_refinement, ["refinement_gan", "blended_train", "face_crops", "params:refinement.gate",
                  "params:refinement.train", "params:generate"],
                 ["refinement_gate", "refinement_gate_metrics"], name="gate_refinement"),
            Node(nodes.refine_heldout,
                 ["refinement_gan", "blended_heldout", "face_renders", "face_crops", "params:blending",
                  "refinement_gate"],
                 "refined_heldout", name="refine_heldout"),
            Node(nodes.refinement_report,
                 ["refined_heldout", "blended_heldout", "face_crops", "params:refinement"],
                 ["refinement_report", "refinement_metrics", "refinement_contact_sheet"], name="refinement_report"),
        ],
        tags="refinement",
    )
