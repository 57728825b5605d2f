"""Copy the site's third-party files from node_modules into static_site/vendor/ (git-ignored).

The pages load Leaflet and supercluster from their own origin: no CDN at run time.
Run as `python -m infra.build_site` (make deps does).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from infra.engines import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"
VENDOR = PROJECT_ROOT / "static_site" / "vendor"

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
    target.mkdir(parents=True)
    for item in PACKAGES[name]:
        path = source / item
        if path.is_dir():
            shutil.copytree(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)
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


def main() -> int:
    for target in build():
        print(f"copied to {target.relative_to(PROJECT_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
