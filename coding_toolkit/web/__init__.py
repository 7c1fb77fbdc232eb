"""The HTTP stack shared by ``serve`` (annotation service) and ``review serve`` (coder review page).

FastAPI + uvicorn (the optional ``service`` extra). Nothing outside ``coding_toolkit.web``,
``coding_toolkit.service`` and ``coding_toolkit.review`` imports them, and those only when a
server starts.
"""
