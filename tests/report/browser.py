"""Headless Chromium for the report tests: the Debian `chromium` + `chromium-driver` packages.

Nothing is downloaded at run time (selenium's own driver manager is bypassed by giving the
driver's path). Tests skip, saying why, only when the browser is not installed.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MISSING = None if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER) else (
    f"{CHROMIUM} / {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver; see scripts/apt-packages.txt)"
)


@contextmanager
def chromium(width: int = 1400, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="taala-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def open_report(driver, path: Path) -> None:
    """Load a report and wait until its script says it has drawn everything."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(Path(path).resolve().as_uri())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.body.dataset.rendered === 'true'"))
