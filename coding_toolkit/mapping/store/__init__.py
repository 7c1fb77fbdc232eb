"""The SQL map store (SQLAlchemy Core): map rows, refsets, provenance and classification titles.

``schema.py`` the tables; ``map_store.py`` ``MapStore`` (connection and reads); ``importer.py``
the release and title import behind ``MapStore.import_release`` / ``import_titles``;
``report.py`` what an import did.
"""

from coding_toolkit.mapping.store.map_store import MapStore
from coding_toolkit.mapping.store.report import ImportReport, illustrative_title_files

__all__ = ["MapStore", "ImportReport", "illustrative_title_files"]
