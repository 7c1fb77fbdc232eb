"""``coding-toolkit serve``: the annotation pipeline behind a MedCATservice-compatible HTTP API."""
