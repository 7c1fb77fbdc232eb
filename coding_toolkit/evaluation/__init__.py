"""Evaluation against a trust's coded episodes (``coding-toolkit evaluate --coded``) and the coding
profile learnt from them (``coding-toolkit learn``); docs/evaluation.md."""
