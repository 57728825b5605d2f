"""How the browser tests and benchmarks start Debian's Chromium on these machines.

Never `playwright install` (it downloads a browser, which fails here). Without the
background-networking flags Chromium keeps calling hosts this closed network refuses.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
