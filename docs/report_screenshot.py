"""Make ``docs/report.png``: the report of the demo crawl, as the README shows it.

Runs ``tdm-crawl demo`` into a temporary directory, writes its report, opens it in
Debian's headless Chromium (through Playwright, as the browser tests do), filters the
URL table to the reserved URLs, sorts it by reason, opens the detail of a URL reserved by
HTML meta, and saves a full-page screenshot (made smaller with ``pngquant`` when it is installed).

    .venv/bin/python docs/report_screenshot.py [--out docs/report.png] [--from CRAWL_DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(report: Path, out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.resolve().as_uri())
        page.wait_for_selector("body[data-ready='true']")
        page.select_option("#f-decision", "1")  # reserved
        reason = page.locator("#urls .vt-head div", has_text="reason")
        reason.click()
        reason.click()  # descending: x-robots-noai, tdmrep-pdf, tdmrep-meta, ... first
        page.locator("#urls .vt-row", has_text="tdmrep-meta").first.click()
        page.locator("#detail").wait_for(state="visible")
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("report.png"))
    parser.add_argument("--from", dest="crawl", type=Path, help="an existing crawl directory")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tdm-shot-") as tmp:
        crawl = args.crawl or Path(tmp) / "demo"
        cli = [sys.executable, "-m", "tdm_crawler.cli"]
        if args.crawl is None:
            subprocess.run([*cli, "demo", "--out", str(crawl)], check=True, capture_output=True)
        report = Path(tmp) / "report.html"
        subprocess.run([*cli, "report", str(crawl), "--html", str(report)], check=True)
        screenshot(report, args.out, args.chromium)
    if shutil.which("pngquant"):  # Debian's pngquant: a third of the size, same look
        quantise = ["pngquant", "--quality", "70-95", "--force", "--output", str(args.out)]
        subprocess.run([*quantise, str(args.out)], check=True)
    print(f"{args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
