"""The pure code helpers load without the database layer (issue 16): a coder's script or the review
page that only formats codes must not pay for SQLAlchemy."""
import subprocess
import sys


def test_code_helpers_do_not_import_sqlalchemy():
    code = ("import sys; import coding_toolkit.mapping.codes as c; from coding_toolkit.mapping import to_cds; "
            "assert c.to_cds('E11.9', 'ICD-10') == to_cds('E11.9', 'ICD-10'); "
            "print(sorted(m for m in ('sqlalchemy', 'pandas') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_store_and_engine_still_load_from_the_package():
    code = ("import sys; from coding_toolkit.mapping import MapEngine, MapStore, ImportReport, default_priority; "
            "print(MapStore.__name__, MapEngine.__name__, 'sqlalchemy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["MapStore", "MapEngine", "True"]
