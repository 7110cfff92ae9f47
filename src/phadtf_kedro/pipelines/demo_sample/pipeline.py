"""Wiring of the demo_sample pipeline."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.demo_sample import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([Node(nodes.make_demo_video, "params:demo_sample", "demo_video", name="make_demo_video")],
                    tags="demo_sample")
