"""One package per pipeline; pipeline_registry.find_pipelines() discovers them."""
