"""Face tracking, stable crops and (later) the personal face model and renderer."""
