"""The data the deployed functions read, placed where Chalice packages it.

Chalice copies `vendor/` to the root of the deployment package, so
`vendor/kmzb_data/` becomes `/var/task/kmzb_data/` (chalicelib.contract.LAMBDA_DATA_DIR,
every garrison stage's KMZB_DATA_DIR). It holds the boundary data the router needs
and each garrison's unit configuration: the admin's file in infra/units/, or the
default one derived from the boundary data. `vendor/` is git-ignored: boundary
data is not ours to commit.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from infra.paths import PROJECT_ROOT

VENDOR_DATA = PROJECT_ROOT / "vendor" / "kmzb_data"


def prepare(data_dir: Path = PROJECT_ROOT / "data", out: Path = VENDOR_DATA) -> Path:
    from infra.unit_config import default_config, garrison_slugs, garrison_units, units_path

    (out / "boundaries").mkdir(parents=True, exist_ok=True)
    (out / "units").mkdir(exist_ok=True)
    shutil.copyfile(data_dir / "garrisons.json", out / "garrisons.json")
    # The powiat layer and the zones derived beside it (terytorium.geojson):
    # the router reads both.
    for name in ("powiaty.geojson", "terytorium.geojson"):
        shutil.copyfile(data_dir / "boundaries" / name, out / "boundaries" / name)
    for slug in garrison_slugs(data_dir):
        garrison_units(slug, data_dir)  # an admin's file that fails the check stops here
        admins = units_path(slug)
        target = out / "units" / f"{slug}.json"
        if admins.exists():
            shutil.copyfile(admins, target)
        else:
            text = json.dumps(default_config(slug, data_dir), ensure_ascii=False, indent=1)
            target.write_text(text, "utf-8")
    return out


if __name__ == "__main__":
    print(prepare())
    sys.exit(0)
