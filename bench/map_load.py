"""Map: time to the first drawn clusters for the national view, against Leaflet.markercluster.

A temporary site is served over a local `http.server` on 127.0.0.1: a copy of
static_site/ (with its vendor files built afresh from node_modules), a
config.json as `infra.local_site.site_config()` gives it (tiles pointed at the
local server, which has none: no request leaves the machine), the categories
the API would answer, and feeds/ built with `chalicelib.feed` from 300,000
synthetic public reports spread over Poland (bench/synthetic.py): the manifest,
every garrison's pointer and its compact, ids and GeoJSON files.

The real page is static_site/index.html: it reads the manifest and every
garrison's compact feed in a Web Worker, clusters with supercluster and draws
on a canvas. The baseline, bench/map_baseline.html, reads every garrison's
GeoJSON into L.geoJSON markers in one L.markerClusterGroup (the usual choice),
which draws each cluster as a DOM element. Both open at the same view (zoom 6
over Poland, the real page's default) in a map of the same size.

"First drawn clusters" is the same signal for both, set by a script injected
before the page's own: the first cluster count label drawn (a `fillText` of a
count on a canvas in Leaflet's map pane, or a `.marker-cluster` element added
to the DOM), then the end of the next animation frame (a requestAnimationFrame
callback, then a message) so that the frame holding it has been produced. Time
counts from the navigation's start (`performance.timeOrigin`). A zoom step is
`map.zoomIn(1, {animate: false})` (the map found through a Leaflet init hook)
until the first frame after a cluster redraw that differs from the one before
(markercluster's own fly-in animation after that is not counted). Every run
opens each page in a fresh browser context (empty cache), alternating which
goes first. The pages' own performance marks go to stderr (the real page's
"kmzb:first-clusters" lands within a millisecond of the first label drawn).

Files are served uncompressed and with no network delay, so the compact feed's
far smaller size counts for little here: the ratio is mostly the browser's work.
Leaflet.markercluster comes from node_modules when the project has it, else it
is installed apart under bench/results/npm/ (git-ignored; package.json is never
touched).

    python -m bench.map_load
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.common import PROJECT_ROOT, RESULTS_DIR, Measurement, main_for, median
from chalicelib import categories
from chalicelib.feed import build_garrison_feed, manifest_file
from chalicelib.reports import Report
from infra.browser import CHROMIUM
from infra.browser import CHROMIUM_ARGS as BASE_CHROMIUM_ARGS
from infra.engines import free_port

REPORTS = 300_000
RUNS = 3  # of the real page
BASELINE_RUNS = 3  # about 15 s each at 300,000 reports: the first to go if `make bench` is long
ZOOM_STEPS = 3  # per run: zoom 6 → 7 → 8 → 9
VIEW = "6/52.07/19.48"  # the real page's default view (static_site/state.js)
VIEWPORT = {"width": 1366, "height": 900}
FIRST_DRAW_TIMEOUT_MS = 180_000
ZOOM_TIMEOUT_MS = 30_000
SETTLE_MS = 500  # between the first draw and the zoom steps, and between steps
TARGET_RATIO = 0.2

CHROMIUM_ARGS = [
    *BASE_CHROMIUM_ARGS,
    # Nothing but 127.0.0.1 resolves (requests to it are also aborted below).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
NOT_LOCAL = re.compile(r"^(?!(?:https?|wss?)://127\.0\.0\.1[:/])(?!data:)(?!blob:)")

SITE = PROJECT_ROOT / "static_site"
BASELINE_PAGE = Path(__file__).resolve().parent / "map_baseline.html"
MARKERCLUSTER = "leaflet.markercluster"
MARKERCLUSTER_VERSION = "1.5.3"
MARKERCLUSTER_FILES = ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css")
NPM_PREFIX = RESULTS_DIR / "npm"  # git-ignored: the baseline's plugin when node_modules lacks it

# Injected before any of the page's scripts (see the module's docstring).
INIT_SCRIPT = r"""
(() => {
  const bench = { firstClusters: null, firstPainted: null, signature: "", listeners: [],
    maps: [] };
  Object.defineProperty(window, "__bench", { value: bench });
  const now = () => performance.now();

  function afterFrame(callback) {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => callback(now());
      channel.port2.postMessage(null);
    });
  }

  function clustersDrawn(signature) {
    const at = now();
    if (bench.firstClusters === null) {
      bench.firstClusters = at;
      afterFrame((t) => { bench.firstPainted = t; });
    }
    if (signature === bench.signature) return;
    bench.signature = signature;
    for (const listener of bench.listeners.splice(0)) listener(at);
  }

  // Canvas: count labels drawn on a canvas in Leaflet's map pane, one drawing pass per task.
  const LABEL = /^\d+(\.\d+)?k?$/;
  const proto = CanvasRenderingContext2D.prototype;
  const fillText = proto.fillText;
  let pass = null;
  proto.fillText = function (text, ...rest) {
    const result = fillText.call(this, text, ...rest);
    if (LABEL.test(String(text)) && this.canvas.closest?.(".leaflet-map-pane")) {
      if (pass === null) {
        pass = [];
        queueMicrotask(() => {
          const labels = pass;
          pass = null;
          clustersDrawn(labels.join(","));
        });
      }
      pass.push(String(text));
    }
    return result;
  };

  // DOM: cluster elements (Leaflet.markercluster's) added to the map's marker pane.
  new MutationObserver((records) => {
    const added = records.some((r) => Array.from(r.addedNodes).some(
      (n) => n.classList?.contains("marker-cluster")));
    if (!added) return;
    const labels = Array.from(
      document.querySelectorAll(".leaflet-marker-pane .marker-cluster"), (n) => n.textContent);
    clustersDrawn(labels.join(","));
  }).observe(document, { childList: true, subtree: true });

  // Leaflet's maps, as they are made: the zoom steps need one.
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    enumerable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (value?.Map?.addInitHook && !value.__benchHooked) {
        value.__benchHooked = true;
        value.Map.addInitHook(function () { bench.maps.push(this); });
      }
    },
  });

  bench.zoomStep = (timeoutMs) => new Promise((resolve, reject) => {
    const map = bench.maps[0];
    if (!map) {
      reject(new Error("no Leaflet map was made on the page"));
      return;
    }
    const start = now();
    const timer = setTimeout(
      () => reject(new Error(`no new clusters within ${timeoutMs} ms of zooming`)), timeoutMs);
    bench.listeners.push((drawnAt) => afterFrame((end) => {
      clearTimeout(timer);
      resolve({ total: end - start, drawn: drawnAt - start, zoom: map.getZoom() });
    }));
    map.zoomIn(1, { animate: false });
  });
})();
"""


class BenchError(RuntimeError):
    pass


# --- the site ------------------------------------------------------------------------------


def markercluster_dist() -> Path:
    """Leaflet.markercluster's dist/: from node_modules, else installed apart (never in the
    project's package.json) under bench/results/npm/."""
    for base in (PROJECT_ROOT / "node_modules", NPM_PREFIX / "node_modules"):
        dist = base / MARKERCLUSTER / "dist"
        if all((dist / name).exists() for name in MARKERCLUSTER_FILES):
            return dist
    print(
        f"map_load: installing {MARKERCLUSTER}@{MARKERCLUSTER_VERSION} into {NPM_PREFIX} ...",
        file=sys.stderr,
        flush=True,
    )
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(NPM_PREFIX),
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
            "--legacy-peer-deps",
            f"{MARKERCLUSTER}@{MARKERCLUSTER_VERSION}",
        ],
        check=True,
        stdout=sys.stderr,
        timeout=300,
    )
    dist = NPM_PREFIX / "node_modules" / MARKERCLUSTER / "dist"
    if not all((dist / name).exists() for name in MARKERCLUSTER_FILES):
        raise BenchError(f"{MARKERCLUSTER} is not in {dist} after npm install")
    return dist


def copy_vendor(target: Path) -> None:
    """The site's third-party files, as `python -m infra.build_site` makes them, but in target."""
    from infra import build_site

    try:
        build_site.build(vendor=target)
    except SystemExit as missing:  # node_modules lacks a package: use the built vendor/ instead
        if not build_site.is_built():
            raise BenchError(f"static_site/vendor is not built and {missing}") from None
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(SITE / "vendor", target)
    plugin = target / MARKERCLUSTER
    plugin.mkdir(parents=True, exist_ok=True)
    for name in MARKERCLUSTER_FILES:
        shutil.copy2(markercluster_dist() / name, plugin / name)


def write_feeds(root: Path, reports: list[Report]) -> int:
    """Every garrison's files and pointer, and the manifest, as a rebuild would put them."""
    router = synthetic.load_router()
    by_garrison: dict[str, list[Report]] = {}
    for report in reports:
        by_garrison.setdefault(report.garrison, []).append(report)
    pointers = []
    total = 0
    for garrison, items in sorted(by_garrison.items()):
        headquarters = router.garrisons[garrison].headquarters
        feed = build_garrison_feed(items, garrison, headquarters, synthetic.NOW)
        for file in (*feed.files, feed.pointer_file()):
            path = root / file.key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(file.body)
        pointers.append(feed.pointer)
        total += int(feed.pointer["count"])
    manifest = manifest_file(pointers, synthetic.NOW)
    (root / manifest.key).write_bytes(manifest.body)
    return total


def prepare_site(root: Path, reports: list[Report]) -> int:
    from infra.local_site import site_config

    shutil.copytree(SITE, root, ignore=shutil.ignore_patterns("vendor", ".*"), dirs_exist_ok=True)
    copy_vendor(root / "vendor")
    shutil.copy2(BASELINE_PAGE, root / "baseline.html")
    config = {**site_config(), "tiles": "/tiles/{z}/{x}/{y}.png"}  # local, and missing
    (root / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (root / "v1").mkdir()
    body = {"categories": [c.as_dict() for c in categories.CATEGORIES]}
    (root / "v1" / "categories").write_text(json.dumps(body), encoding="utf-8")
    return write_feeds(root, reports)


def serve(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/config.json", timeout=1).close()
            return process, url
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                break
            time.sleep(0.1)
    stop(process)
    raise BenchError("the local http.server did not answer")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser ---------------------------------------------------------------------------


@dataclass
class PageRun:
    first_ms: float = math.nan  # navigation start → the frame after the first clusters
    drawn_ms: float = math.nan  # navigation start → the first cluster drawn
    zooms_ms: list[float] = field(default_factory=list)
    map_size: tuple[int, int] | None = None
    marks: dict[str, float] = field(default_factory=dict)  # the pages' own performance marks
    error: str | None = None


def open_page(browser: Any, url: str, zoom_steps: int) -> PageRun:
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    problems: list[str] = []
    result = PageRun()
    try:
        context.add_init_script(INIT_SCRIPT)
        context.route(NOT_LOCAL, lambda route: route.abort())
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                problems.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 and "/tiles/" not in response.url
                else None
            ),
        )
        page.goto(url, wait_until="commit")
        page.wait_for_function(
            "window.__bench && window.__bench.firstPainted !== null",
            timeout=FIRST_DRAW_TIMEOUT_MS,
            polling=200,
        )
        first = page.evaluate(
            """() => {
              const box = document.getElementById("map").getBoundingClientRect();
              const marks = Object.fromEntries(
                performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));
              return { painted: window.__bench.firstPainted, drawn: window.__bench.firstClusters,
                size: [Math.round(box.width), Math.round(box.height)], marks };
            }"""
        )
        result.first_ms, result.drawn_ms = first["painted"], first["drawn"]
        result.map_size = (int(first["size"][0]), int(first["size"][1]))
        result.marks = {str(k): float(v) for k, v in first["marks"].items()}
        for _ in range(zoom_steps):
            page.wait_for_timeout(SETTLE_MS)
            step = page.evaluate("(ms) => window.__bench.zoomStep(ms)", ZOOM_TIMEOUT_MS)
            result.zooms_ms.append(float(step["total"]))
    except PlaywrightError as error:
        detail = "; ".join(dict.fromkeys(problems)) or "no errors reported by the page"
        result.error = f"{str(error).splitlines()[0]} ({detail})"
    finally:
        context.close()
    return result


def measure(
    runs: int = RUNS, baseline_runs: int = BASELINE_RUNS, count: int = REPORTS
) -> list[Measurement]:
    from playwright.sync_api import sync_playwright

    print(f"map_load: generating {count:,} public reports ...", file=sys.stderr, flush=True)
    reports = synthetic.public_reports(count)
    with tempfile.TemporaryDirectory(prefix="kmzb-map-bench-") as tmp:
        root = Path(tmp)
        print("map_load: building the site and the feeds ...", file=sys.stderr, flush=True)
        total = prepare_site(root, reports)
        del reports
        if total != count:
            raise BenchError(f"the feeds hold {total} reports, not {count}")
        server, base = serve(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    return run_pages(browser, base, runs, baseline_runs, count)
                finally:
                    browser.close()
        finally:
            stop(server)


def run_pages(
    browser: Any, base: str, runs: int, baseline_runs: int, count: int
) -> list[Measurement]:
    real_results: list[PageRun] = []
    baseline_results: list[PageRun] = []
    size: tuple[int, int] = (VIEWPORT["width"] - 400, VIEWPORT["height"] - 150)

    def real() -> None:
        nonlocal size
        run = open_page(browser, f"{base}/index.html#map={VIEW}", ZOOM_STEPS)
        if run.map_size and run.map_size[0] > 0 and run.map_size[1] > 0:
            size = run.map_size  # the baseline's map gets the same size
        real_results.append(run)
        report("real page", run)

    def baseline() -> None:
        url = f"{base}/baseline.html?w={size[0]}&h={size[1]}#map={VIEW}"
        run = open_page(browser, url, ZOOM_STEPS)
        baseline_results.append(run)
        report("baseline", run)

    print("map_load: measuring ...", file=sys.stderr, flush=True)
    for i in range(max(runs, baseline_runs)):
        pair = [action for action, n in ((real, runs), (baseline, baseline_runs)) if i < n]
        for action in pair if i % 2 == 0 else reversed(pair):
            action()
    return summarise(real_results, baseline_results, count, size)


def report(name: str, run: PageRun) -> None:
    if run.error:
        print(f"map_load: {name}: FAILED: {run.error}", file=sys.stderr, flush=True)
        return
    zooms = ", ".join(f"{z:.0f}" for z in run.zooms_ms)
    ordered = sorted(run.marks.items(), key=lambda mark: mark[1])
    marks = ", ".join(f"{name} {ms:.0f}" for name, ms in ordered)
    mark = f" (the page's marks, ms: {marks})" if marks else ""
    print(
        f"map_load: {name}: first clusters drawn {run.drawn_ms:.0f} ms, frame done "
        f"{run.first_ms:.0f} ms{mark}; zoom steps {zooms} ms; map {run.map_size}",
        file=sys.stderr,
        flush=True,
    )


def summarise(
    real: list[PageRun], baseline: list[PageRun], count: int, size: tuple[int, int]
) -> list[Measurement]:
    def firsts(page_runs: list[PageRun]) -> list[float]:
        return [r.first_ms for r in page_runs if r.error is None]

    def zooms(page_runs: list[PageRun]) -> list[float]:
        return [z for r in page_runs for z in r.zooms_ms]

    def mid(values: list[float]) -> float:
        return median(values) if values else math.nan

    failures = [r.error for r in real + baseline if r.error]
    failed = ""
    if failures:
        loads = len(real) + len(baseline)
        failed = f" — {len(failures)} of {loads} page loads FAILED: {failures[0][:160]}"
    real_first, base_first = mid(firsts(real)), mid(firsts(baseline))
    real_zoom, base_zoom = mid(zooms(real)), mid(zooms(baseline))
    runs = f"medians of {len(real)} and {len(baseline)} runs"
    label = f"{count:,} reports, zoom 6, map {size[0]}×{size[1]} px, {runs}"
    return [
        Measurement(
            f"Map: first drawn clusters, real page ÷ GeoJSON + markercluster ({label}){failed}",
            real_first / base_first,
            "x",
            TARGET_RATIO,
        ),
        Measurement("Map: first drawn clusters, real page, median", real_first, "ms"),
        Measurement(
            "Map: first drawn clusters, GeoJSON + markercluster baseline, median", base_first, "ms"
        ),
        Measurement(
            "Map: zoom step (zoomIn to the next frame with new clusters), real page ÷ baseline "
            f"(medians of {ZOOM_STEPS} steps a run, zoom 6→{6 + ZOOM_STEPS})",
            real_zoom / base_zoom,
            "x",
        ),
        Measurement("Map: zoom step, real page, median", real_zoom, "ms"),
        Measurement("Map: zoom step, GeoJSON + markercluster baseline, median", base_zoom, "ms"),
    ]


def run() -> list[Measurement]:
    return measure()


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
