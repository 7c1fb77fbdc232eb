"""What ``pip install .`` installs: every folder of Python modules under coding_toolkit is a package
setuptools finds (a folder without ``__init__.py`` is left out of the wheel, so the installed tool
fails where the source tree works: ``evaluate --coded``, ``learn`` and ``--profile`` did, session 8)."""
from __future__ import annotations

from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_of_modules_is_an_installed_package():
    found = set(find_packages(where=str(ROOT), include=["coding_toolkit", "coding_toolkit.*"]))
    with_modules = {".".join(p.parent.relative_to(ROOT).parts)
                    for p in (ROOT / "coding_toolkit").rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(with_modules - found)
    assert missing == [], f"not installed by pip (add an __init__.py): {missing}"
