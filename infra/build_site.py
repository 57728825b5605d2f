"""Copy the site's third-party files from node_modules into static_site/vendor/ (git-ignored).

The officer panel loads Leaflet from its own origin: no CDN at run time.
Run as `python -m infra.build_site` (make deps does).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from infra.engines import PROJECT_ROOT

LEAFLET_DIST = PROJECT_ROOT / "node_modules" / "leaflet" / "dist"
VENDOR = PROJECT_ROOT / "static_site" / "vendor"


def copy_leaflet(source: Path = LEAFLET_DIST, vendor: Path = VENDOR) -> Path:
    """Copy leaflet.js, leaflet.css and images/ into vendor/leaflet/, replacing what was there."""
    if not (source / "leaflet.js").exists():
        raise SystemExit(f"Leaflet is not installed in {source}: run 'npm ci' (make deps does)")
    target = vendor / "leaflet"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copy2(source / name, target / name)
    shutil.copytree(source / "images", target / "images")
    return target


def main() -> int:
    print(f"Leaflet copied to {copy_leaflet().relative_to(PROJECT_ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
