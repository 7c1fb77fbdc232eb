"""Shared fixtures of the context tests."""
from __future__ import annotations

import pytest

from coding_toolkit.context.classifier import ContextClassifier


@pytest.fixture(scope="module")
def clf() -> ContextClassifier:
    """The shipped rules (context/data/context_rules.json), loaded once per test module."""
    return ContextClassifier()
