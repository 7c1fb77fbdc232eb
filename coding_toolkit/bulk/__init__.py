"""Bulk execution: local process pool with resume, and the Spark engine."""
