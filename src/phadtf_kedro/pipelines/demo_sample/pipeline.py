"""Wiring of the demo_sample pipeline: the demo video and a driving sentence for generate."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.demo_sample import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([Node(nodes.make_demo_video, "params:demo_sample", "demo_video", name="make_demo_video"),
                     Node(nodes.make_demo_speech, "params:demo_sample", "demo_speech", name="make_demo_speech")],
                    tags="demo_sample")
