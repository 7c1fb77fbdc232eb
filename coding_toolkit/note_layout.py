"""Line breaks that an export flattened into commas, restored for reading the note's layout.

Some exports write a note on one line with each line break replaced by a comma: "...no head
trauma.,PMH:, Migraine.,ALLERGIES: , None.,PLAN:, Cystoscopy in the office." (the MTSamples
transcriptions look like this). Read as it stands, such a note has no headings and no line ends:
"no" negates the migraine of the next section, the past-history section runs on through the plan,
and a planned procedure is coded as done. ``restore_line_breaks`` gives a copy of the text, of the
same length (every offset stays valid), where such a comma is a new line again; the stages that read
headings, sections and lines (context, coding rules, refinement) read that copy, while concept
linking, evidence spans and the output keep the text as written.

A comma counts as a flattened line break only where ordinary prose has none: right after a colon
("PMH:, Migraine", "ANESTHESIA: , General"), or right after a full stop and before a capital
letter, a digit or an opening bracket or quote ("voiding.,HISTORY:", "foot.,2.  Elevated"), but not
after "e.g.", "i.e." or "etc.".
"""
from __future__ import annotations

import re

_FLATTENED_BREAK = re.compile(
    r"(?<=:)[ \t]*,"                                       # "PMH:, asthma", "ANESTHESIA: , General"
    r"|(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<=\.),"     # "voiding.,HISTORY:" (not "e.g., Aspirin")
    r"(?=[ \t]*[A-Z0-9(\"'])"
)


def restore_line_breaks(text: str) -> str:
    """``text`` with each comma standing for a flattened line break replaced by a new line (same length)."""
    if "," not in text:
        return text
    return _FLATTENED_BREAK.sub(lambda m: m.group(0)[:-1] + "\n", text)
