"""Notes readers and output sinks."""
