"""Build the deployable site into build/site/ (SITE BUILD), and the vendored files of static_site/.

`build_site()` runs esbuild (infra/build_site.mjs): content-hashed, minified bundles of both
pages' JavaScript (Leaflet included, shared chunks, the cluster Web Worker) and CSS (Leaflet's
with its images) under build/site/assets/, and the pages rewritten to load them. `make run`,
the browser tests and the deployment serve build/site/. It is built in a sibling folder and
swapped in, so a reader never sees half a site.

`build()` copies the third-party files from node_modules into static_site/vendor/ (git-ignored):
the unbundled modules of static_site/ run in a browser as they are (and in node's tests) with
them. No CDN at run time either way.

Run as `python -m infra.build_site` (make deps does; `--vendor`: only static_site/vendor/).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.engines import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"
SITE_SOURCE = PROJECT_ROOT / "static_site"
VENDOR = SITE_SOURCE / "vendor"
BUILT_SITE = PROJECT_ROOT / "build" / "site"
BUNDLER = PROJECT_ROOT / "infra" / "build_site.mjs"
# What the build reads besides static_site/: a change to any of them makes the build stale.
BUILD_INPUTS = (BUNDLER, PROJECT_ROOT / "infra" / "site_shims", PROJECT_ROOT / "package-lock.json")
# Beside the UMD bundle that sets a global, for `tsc` (checkJs): nothing to check there.
DECLARATIONS = {
    "supercluster": {
        "supercluster.min.d.ts": (
            "// The UMD bundle sets the global Supercluster (static_site/globals.d.ts).\n"
            "export {};\n"
        )
    },
}

# npm package → the files (or folders) the site needs from it, copied flat into
# vendor/<package>/. Licences travel with the code they cover.
PACKAGES: dict[str, tuple[str, ...]] = {
    "leaflet": ("dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"),
    # The UMD bundle includes kdbush; the map's Web Worker imports it for its side effect.
    "supercluster": ("dist/supercluster.min.js", "LICENSE"),
    "kdbush": ("LICENSE",),
}


def copy_package(name: str, node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> Path:
    """Copy one package's files into vendor/<name>/, replacing what was there."""
    source = node_modules / name
    missing = [item for item in PACKAGES[name] if not (source / item).exists()]
    if missing:
        raise SystemExit(f"{name} is not installed in {source} ({missing[0]}): run 'npm ci'")
    target = vendor / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)  # exist_ok: two builds at once (parallel tests)
    for item in PACKAGES[name]:
        path = source / item
        if path.is_dir():
            shutil.copytree(path, target / path.name, dirs_exist_ok=True)
        else:
            shutil.copy2(path, target / path.name)
    for name_, text in DECLARATIONS.get(name, {}).items():
        (target / name_).write_text(text, "utf-8")
    return target


def copy_leaflet(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> Path:
    return copy_package("leaflet", node_modules, vendor)


def is_built(vendor: Path = VENDOR) -> bool:
    """Whether every package's files are in vendor/ (a quick check, not of their versions)."""
    return all(
        (vendor / name / Path(item).name).exists()
        for name, items in PACKAGES.items()
        for item in items
    )


def build(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> list[Path]:
    return [copy_package(name, node_modules, vendor) for name in PACKAGES]


def _newest(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file() and VENDOR not in file.parents:
                newest = max(newest, file.stat().st_mtime)
    return newest


def site_is_current(out: Path = BUILT_SITE) -> bool:
    """Whether out/ was built after the last change to static_site/ and the build's inputs."""
    stamp = out / "index.html"
    if not stamp.is_file() or not (out / "assets").is_dir():
        return False
    return stamp.stat().st_mtime >= _newest([SITE_SOURCE, *BUILD_INPUTS])


def build_site(out: Path = BUILT_SITE) -> Path:
    """Bundle the site into out/ (esbuild through node): a fresh folder, then swapped in."""
    if not (NODE_MODULES / "esbuild").is_dir():
        raise SystemExit(f"esbuild is not installed in {NODE_MODULES}: run 'npm ci'")
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.with_name(f".{out.name}.{os.getpid()}")
    old = out.with_name(f".{out.name}.old.{os.getpid()}")
    try:
        subprocess.run(["node", str(BUNDLER), str(fresh)], cwd=PROJECT_ROOT, check=True)
        if out.exists():
            out.rename(old)
        try:
            fresh.rename(out)
        except OSError:  # another build (the same sources) was swapped in meanwhile: keep it
            if not (out / "index.html").is_file():
                raise
        assets = fresh.with_name(f"{fresh.name}-assets.json")
        if assets.exists():
            assets.replace(out.with_name(f"{out.name}-assets.json"))
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out


def ensure_site(out: Path = BUILT_SITE) -> Path:
    """The built site, rebuilt first when static_site/ changed since (make run, the tests)."""
    if not is_built():
        build()
    if not site_is_current(out):
        build_site(out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Copy the vendored files, then build the site; `--vendor`: only copy them."""
    args = sys.argv[1:] if argv is None else argv
    for target in build():
        print(f"copied to {target.relative_to(PROJECT_ROOT)}/")
    if "--vendor" in args:
        return 0
    site = build_site()
    print(f"site built into {site.relative_to(PROJECT_ROOT)}/ (hashed files under assets/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
