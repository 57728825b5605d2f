"""Page weight: the JavaScript and CSS a first visit transfers, unbundled against built.

Unbundled is static_site/ as it is written (it still runs so, with static_site/vendor/): the
page's stylesheets and classic scripts, every module its entry module imports statically,
transitively, and the cluster Web Worker's module graph (the map starts it at once). Built is
what `python -m infra.build_site` writes (built afresh into a temporary folder): the page's
hashed CSS, scripts, the chunks they import and the worker. Each distinct file is counted
once, gzip-compressed (level 6, as a web server or CDN typically sends it), and the count of
files is given too: each is one request. Images (Leaflet's icons, the tiles) and data (the
feeds, config.json) are left out: the bundling does not change them.

    python -m bench.page_weight
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
from pathlib import Path

from bench.common import PROJECT_ROOT, RESULTS_DIR, Measurement, main_for

SITE = PROJECT_ROOT / "static_site"
PAGES = {"Map": "index.html", "Officer panel": "officer/index.html"}
WORKER = SITE / "cluster-worker.js"
RESULT_FILE = RESULTS_DIR / "page_weight.json"
GZIP_LEVEL = 6

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
_SCRIPT = re.compile(r'<script(?: type="module")? src="([^"]+)"></script>')
_PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)">')
# Static imports and re-exports (dynamic import() loads later, if at all).
_IMPORT = re.compile(r'^\s*(?:import|export)\b[^"\';]*?["\'](\.{1,2}/[^"\']+)["\']', re.MULTILINE)


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0))


def module_graph(entry: Path) -> set[Path]:
    """The module and every module it imports statically, transitively."""
    seen: set[Path] = set()
    pending = [entry.resolve()]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in _IMPORT.findall(module.read_text("utf-8")):
            pending.append((module.parent / target).resolve())
    return seen


def unbundled_files(page: str) -> set[Path]:
    """What a first visit to the unbundled page loads of JavaScript and CSS."""
    html_path = SITE / page
    html = html_path.read_text("utf-8")
    files: set[Path] = set()
    for href in _STYLESHEET.findall(html):
        files.add((html_path.parent / href).resolve())
    for src in _SCRIPT.findall(html):
        script = (html_path.parent / src).resolve()
        files |= module_graph(script) if f'type="module" src="{src}"' in html else {script}
    if any(p.name == "engine-client.js" for p in files):  # the map starts its worker at once
        files |= module_graph(WORKER)
    return files


def built_files(root: Path, page: str) -> set[Path]:
    """What a first visit to the built page loads: its CSS and scripts, their chunks, the worker."""
    html_path = root / page
    html = html_path.read_text("utf-8")
    links = _STYLESHEET.findall(html) + _SCRIPT.findall(html) + _PRELOAD.findall(html)
    files = {(html_path.parent / link).resolve() for link in links}
    assets = json.loads((root.parent / f"{root.name}-assets.json").read_text("utf-8"))
    files |= {(root / name).resolve() for name in assets[page]}
    if any(p.name == "engine-client.js" for p in unbundled_files(page)):
        files.add((root / assets["worker"]).resolve())
    return files


def weigh(files: set[Path]) -> dict[str, int]:
    return {
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "gzip_bytes": sum(gzip_size(f) for f in files),
    }


def run() -> list[Measurement]:
    from infra import build_site

    if not build_site.is_built():
        build_site.build()  # static_site/vendor/: the unbundled pages load Leaflet from there
    results: dict[str, dict[str, dict[str, int]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        built = build_site.build_site(Path(folder) / "site")
        for name, page in PAGES.items():
            results[name] = {
                "unbundled": weigh(unbundled_files(page)),
                "built": weigh(built_files(built, page)),
            }
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    measurements = []
    for name, weights in results.items():
        before, after = weights["unbundled"], weights["built"]
        measurements += [
            Measurement(
                f"{name}, first load: JS + CSS gzip, built ÷ unbundled",
                after["gzip_bytes"] / before["gzip_bytes"],
                "x",
                1.0,
            ),
            Measurement(
                f"{name}, first load: JS + CSS gzip, unbundled ({before['files']} files)",
                before["gzip_bytes"],
                "B",
            ),
            Measurement(
                f"{name}, first load: JS + CSS gzip, built ({after['files']} files)",
                after["gzip_bytes"],
                "B",
            ),
        ]
    return measurements


if __name__ == "__main__":
    main_for(run)
