"""Training loops with checkpoint/resume and metric logging."""
