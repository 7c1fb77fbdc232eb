"""Output sinks: JSONL, CSV, CDS, FHIR NDJSON and SQL (see docs/outputs.md).

from coding_toolkit.io.sinks import open_sink
sink = open_sink("jsonl", "out.jsonl", run=run)
sink.open(resume_position=None)
position = sink.write(batch)      # durable on return; record it in the resume ledger
sink.close()
"""

from coding_toolkit.io.sinks.base import FILE_FORMATS, FORMATS, Sink, SinkBase, open_sink

__all__ = ["FILE_FORMATS", "FORMATS", "Sink", "SinkBase", "open_sink"]
