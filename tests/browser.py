"""A headless Chromium for the tests that run pages (selenium driving the system's browser and driver).

The browser is Debian's ``chromium`` with its matching ``chromium-driver``
(``.ci/run`` installs them where they are missing); selenium is pointed at
both, so nothing is downloaded.  Where either is missing, or the browser will
not start, the tests that need it skip and say why.  One browser serves the
whole session (starting one takes about a second).
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

#: flags for a quick, quiet headless browser on a closed network, running as root
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1300,900")


def find(name: str, fallback: str) -> str | None:
    found = shutil.which(name)
    return found or (fallback if Path(fallback).exists() else None)


def start_browser():
    """A selenium Chrome driver on the system's Chromium, or ``pytest.skip`` with the reason."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium, or the 'test' extra)")
    binary = find("chromium", "/usr/bin/chromium")
    driver_path = find("chromedriver", "/usr/bin/chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='symgraph-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except WebDriverException as error:
        pytest.skip(f"the browser did not start: {str(error).splitlines()[0]}")


def console_errors(driver) -> list[str]:
    """The console's errors since the last call (reading the log empties it)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def run_script(driver, tmp_path: Path, script: str):
    """Load a page running ``script``, which sets ``window.result``; return it (a JSON round trip)."""
    page = tmp_path / "script.html"
    page.write_text(f"<!DOCTYPE html><html><body><script>{script}\n"
                    "document.title = 'done';</script></body></html>", encoding="utf-8")
    driver.get(page.as_uri())
    errors = console_errors(driver)
    assert not errors, errors
    return json.loads(driver.execute_script("return JSON.stringify(window.result)"))


def open_page(driver, tmp_path: Path, page, name: str = "page.html"):
    """An explorer page saved under ``tmp_path`` and opened, once its script has drawn it; its ``<body>``."""
    driver.get(page.save(tmp_path / name).as_uri())
    assert driver.execute_script("return document.body.dataset.ready") == "1"
    return driver.find_element("tag name", "body")


def shown_nodes(driver) -> dict[str, tuple[str, str]]:
    """Every drawn node's ``(value, derivative)`` as the page shows them, by node name."""
    return {n: (v, d) for n, v, d in driver.execute_script(
        "return [...document.querySelectorAll('g.node')].map(g => [g.dataset.node, g.dataset.value, g.dataset.deriv])")}
