"""Headless Debian Chromium driven by Selenium, fully offline (no driver or browser download)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")


def available() -> str | None:
    """None when Chromium and its driver are installed, else what is missing."""
    missing = [p for p in (CHROMEDRIVER, CHROMIUM) if not os.path.exists(p)]
    return f"missing {', '.join(missing)}: apt-get install chromium chromium-driver" if missing else None


class Browser:
    def __init__(self, width: int = 1280, height: int = 800):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch anything
        self.profile = tempfile.mkdtemp(prefix="ct-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_window_size(width, height)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


@contextmanager
def launched(width: int, height: int) -> Iterator[Browser]:
    """A browser for a test fixture: a missing Chromium or Selenium skips locally and fails in CI."""
    from tests.conftest import _require, require_module

    missing = available()
    if missing:
        _require(missing)
    require_module("selenium", "test")
    b = Browser(width, height)
    try:
        yield b
    finally:
        b.quit()
