"""Network definitions, one per file, named after the paper."""
