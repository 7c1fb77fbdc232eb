"""``coding-toolkit review``: coders check suggested codes against the note; decisions become training data.

    data.ReviewSet      annotate's JSONL results + the note texts (checked against the coded text hash)
    store.DecisionStore decisions in SQLite, saved at once, full history kept
    app                 the page and its JSON API (same server stack and guard as ``serve``)
    export              MedCATtrainer / CDS / CSV exports and agreement figures
"""
