"""Lambda package size: the API function's deployment zip against one of the four core libraries.

The project is packaged the way deployment packages it, `chalice package --stage local`
(Chalice downloads manylinux wheels for Lambda's platform and caches the zip under
`.chalice/deployments/`); every function of the app shares that one `deployment.zip`.
The baseline is a throwaway one-route Chalice project, packaged by the same CLI, whose
requirements.txt holds only chalice, boto3, pynamodb and aws-lambda-powertools, pinned
as in ours. Both zips are opened and their entries grouped by the distribution whose
RECORD lists them (the project's own files and vendor/ data by their top-level name), so
the difference can be told apart by what brings it in.

Two alternatives are computed from the project zip, for information only: without the
AWS SDK (boto3, botocore, s3transfer, jmespath: Lambda's Python runtime ships its own)
and without what only chalice's command line needs (Chalice adds its runtime to the zip
itself). Their sizes are the zip's size less the removed entries' data and headers.

The whole breakdown goes to bench/results/package_size.json.

    python -m bench.package_size
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bench.common import PROJECT_ROOT, RESULTS_DIR, Measurement, main_for

STAGE = "local"
REGION = "eu-central-1"
CORE = ("chalice", "boto3", "pynamodb", "aws-lambda-powertools")
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath")  # in Lambda's Python runtime
TOP_CONTRIBUTORS = 5
MB = 1e6
RESULT_FILE = RESULTS_DIR / "package_size.json"
MISSING_DEPENDENCIES = "Could not install dependencies"  # Chalice warns, yet exits with 0

BASELINE_APP = """from chalice import Chalice

app = Chalice(app_name="{app_name}")


@app.route("/")
def index():
    return {{"hello": "world"}}
"""

# Sizes in a zip beyond an entry's compressed data: its local header and its central
# directory record, both with the name (and any extra field) once more.
LOCAL_HEADER = 30
CENTRAL_RECORD = 46


@dataclass
class Group:
    """The entries of one distribution (or one top-level name outside any) in a zip."""

    name: str
    version: str = ""
    tops: set[str] = field(default_factory=set)
    entries: int = 0
    zipped: int = 0  # the sum of ZipInfo.compress_size
    unzipped: int = 0  # the sum of ZipInfo.file_size
    overhead: int = 0  # headers and central directory records

    def add(self, info: zipfile.ZipInfo) -> None:
        self.tops.add(top_level(info.filename))
        self.entries += 1
        self.zipped += info.compress_size
        self.unzipped += info.file_size
        self.overhead += entry_overhead(info)

    def shown(self) -> str:
        """The name, with the top-level names it holds where they differ (PyJWT: jwt/)."""
        tops = ", ".join(sorted(t for t in self.tops if not t.endswith(".dist-info/")))
        same = tops in ("", self.name, f"{self.name}/")
        return self.name if same else f"{self.name} ({tops})"


@dataclass
class Package:
    """A deployment zip opened: its size on disk and its entries by distribution."""

    path: Path
    size: int
    unzipped: int
    groups: dict[str, Group]
    requires: dict[str, list[Requirement]]  # Requires-Dist of each distribution in the zip

    def size_without(self, keys: AbstractSet[str]) -> int:
        return self.size - sum(g.zipped + g.overhead for k, g in self.groups.items() if k in keys)


def top_level(filename: str) -> str:
    head, slash, _ = filename.partition("/")
    return head + slash


def entry_overhead(info: zipfile.ZipInfo) -> int:
    name = len(info.filename.encode("utf-8"))
    extra = len(info.extra)
    return LOCAL_HEADER + name + extra + CENTRAL_RECORD + name + extra + len(info.comment)


def core_requirements(requirements: Path = PROJECT_ROOT / "requirements.txt") -> list[str]:
    """The lines of our requirements.txt that pin the four core libraries."""
    pinned: dict[str, str] = {}
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in CORE:
            specs = list(requirement.specifier)
            if len(specs) != 1 or specs[0].operator != "==":
                raise RuntimeError(f"{requirements}: {line!r} is not pinned with ==")
            pinned[name] = line
    missing = [name for name in CORE if name not in pinned]
    if missing:
        raise RuntimeError(f"{requirements} does not list {', '.join(missing)}")
    return [pinned[name] for name in CORE]


def chalice_command() -> str:
    """The chalice CLI of the interpreter running us (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "chalice"
    found = str(beside) if beside.exists() else shutil.which("chalice")
    if found is None:
        raise RuntimeError("no chalice command beside the interpreter or on PATH")
    return found


def chalice_package(project_dir: Path, out_dir: Path) -> Path:
    """`chalice package --stage local out_dir` in project_dir; the deployment.zip it made."""
    result = subprocess.run(
        [chalice_command(), "package", "--stage", STAGE, str(out_dir)],
        cwd=project_dir,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    output = f"stderr:\n{result.stderr}\nstdout:\n{result.stdout}"
    if result.returncode != 0:
        raise RuntimeError(
            f"chalice package failed (exit {result.returncode}) in {project_dir}\n{output}"
        )
    if MISSING_DEPENDENCIES in result.stdout + result.stderr:
        raise RuntimeError(f"chalice package left dependencies out in {project_dir}\n{output}")
    zipped = out_dir / "deployment.zip"
    if not zipped.is_file():
        raise RuntimeError(f"chalice package made no {zipped}\n{output}")
    if (out_dir / "layer-deployment.zip").exists():
        # A stage with automatic_layer: the dependencies are in a layer, not the function's zip.
        raise RuntimeError(f"stage {STAGE!r} packages its dependencies as a layer; not measured")
    return zipped


def read_package(path: Path) -> Package:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        owner: dict[str, str] = {}
        groups: dict[str, Group] = {}
        requires: dict[str, list[Requirement]] = {}
        for info in infos:
            directory, _, base = info.filename.rpartition("/")
            if base != "METADATA" or not directory.endswith(".dist-info") or "/" in directory:
                continue
            metadata = HeaderParser().parsestr(archive.read(info).decode("utf-8"))
            key = canonicalize_name(metadata["Name"])
            groups[key] = Group(metadata["Name"], metadata["Version"])
            requires[key] = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
            record = archive.read(f"{directory}/RECORD").decode("utf-8")
            for row in csv.reader(io.StringIO(record)):
                if row:
                    owner[row[0]] = key
        for info in infos:
            group = owner.get(info.filename)
            if group is None:  # the project's own files (app.py, chalicelib/) and vendor/
                group = top_level(info.filename)
                groups.setdefault(group, Group(group))
            groups[group].add(info)
    return Package(
        path,
        path.stat().st_size,
        sum(info.file_size for info in infos),
        {k: g for k, g in groups.items() if g.entries},
        requires,
    )


def reachable(package: Package, roots: list[Requirement]) -> set[str]:
    """The distributions in the zip that roots need, with their extras, on this platform
    (chalice packages for the Python running it, on Linux as Lambda)."""
    seen: set[tuple[str, str]] = set()
    todo = [(r, "") for r in roots]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        for wanted in ("", *sorted(requirement.extras)):
            if (key, wanted) not in seen:
                seen.add((key, wanted))
                todo.extend((r, wanted) for r in package.requires.get(key, []))
    return {key for key, _ in seen if key in package.groups}


def project_roots() -> list[Requirement]:
    lines = (PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    stripped = (line.split(" #", 1)[0].strip() for line in lines)
    return [Requirement(line) for line in stripped if line and not line.startswith(("#", "-"))]


def build_baseline(directory: Path) -> Path:
    config = json.loads((PROJECT_ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    app_name = f"{config.get('app_name', 'app')}-baseline"
    stage = config.get("stages", {}).get(STAGE, {})
    (directory / ".chalice").mkdir(parents=True)
    (directory / "app.py").write_text(BASELINE_APP.format(app_name=app_name), encoding="utf-8")
    (directory / "requirements.txt").write_text(
        "\n".join(core_requirements()) + "\n", encoding="utf-8"
    )
    baseline_config = {
        "version": config.get("version", "2.0"),
        "app_name": app_name,
        "stages": {STAGE: {"api_gateway_stage": stage.get("api_gateway_stage", "api")}},
    }
    (directory / ".chalice" / "config.json").write_text(
        json.dumps(baseline_config, indent=2) + "\n", encoding="utf-8"
    )
    return directory


def differences(project: Package, baseline: Package) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for key in sorted(project.groups.keys() | baseline.groups.keys()):
        ours, theirs = project.groups.get(key), baseline.groups.get(key)
        shown = (ours or theirs or Group(key)).shown()
        rows.append(
            {
                "group": shown,
                "project_version": (ours.version or None) if ours else None,
                "baseline_version": (theirs.version or None) if theirs else None,
                "project_zipped": ours.zipped if ours else 0,
                "baseline_zipped": theirs.zipped if theirs else 0,
                "zipped_added": (ours.zipped if ours else 0) - (theirs.zipped if theirs else 0),
                "unzipped_added": (ours.unzipped if ours else 0)
                - (theirs.unzipped if theirs else 0),
            }
        )
    rows.sort(key=lambda row: -row["zipped_added"])
    return rows


def summary(package: Package) -> dict[str, Any]:
    return {
        "zip": package.size,
        "unzipped": package.unzipped,
        "groups": {
            g.shown(): {"version": g.version or None, "zipped": g.zipped, "unzipped": g.unzipped}
            for g in sorted(package.groups.values(), key=lambda g: -g.zipped)
        },
    }


def measure(project: Package, baseline: Package) -> list[Measurement]:
    rows = differences(project, baseline)
    mismatched = [
        r["group"]
        for r in rows
        if r["project_version"]
        and r["baseline_version"]
        and r["project_version"] != r["baseline_version"]
    ]
    if mismatched:
        print(f"package_size: other versions than the baseline's: {mismatched}", file=sys.stderr)

    sdk = {canonicalize_name(name) for name in RUNTIME_SDK} & project.groups.keys()
    without_sdk = project.size_without(sdk)
    roots = project_roots()
    others = [r for r in roots if canonicalize_name(r.name) != "chalice"]
    cli_only = reachable(project, roots) - reachable(project, others) - {"chalice"}
    without_cli = project.size_without(cli_only)
    by_size = sorted(cli_only, key=lambda k: -project.groups[k].zipped)
    biggest_cli = ", ".join(project.groups[k].name for k in by_size[:3])
    headers_added = sum(g.overhead for g in project.groups.values()) - sum(
        g.overhead for g in baseline.groups.values()
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_text(
        json.dumps(
            {
                "stage": STAGE,
                "project": summary(project),
                "baseline": summary(baseline),
                "baseline_requirements": core_requirements(),
                "added_by_group": rows,
                "headers_added": headers_added,
                "other_versions_than_baseline": mismatched,
                "without_runtime_sdk": {
                    "removed": sorted(sdk),
                    "zip": without_sdk,
                    "baseline_zip": baseline.size_without(sdk & baseline.groups.keys()),
                },
                "without_chalice_cli_only": {"removed": sorted(cli_only), "zip": without_cli},
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    added = project.size - baseline.size
    print(
        f"package_size: {added / MB:.2f} MB zipped added; by group: "
        + ", ".join(
            f"{r['group']} {r['zipped_added'] / MB:+.3f}" for r in rows if r["zipped_added"]
        )
        + f", zip headers {headers_added / MB:+.3f}; details in {RESULT_FILE.name}",
        file=sys.stderr,
    )
    measurements = [
        Measurement(
            f"Lambda package (zipped): project ÷ the four core libraries only (`--stage {STAGE}`)",
            project.size / baseline.size,
            "x",
        ),
        Measurement("Lambda package: project, zipped", project.size / MB, "MB"),
        Measurement("Lambda package: project, unzipped", project.unzipped / MB, "MB"),
        Measurement("Lambda package: core libraries only, zipped", baseline.size / MB, "MB"),
        Measurement("Lambda package: core libraries only, unzipped", baseline.unzipped / MB, "MB"),
    ]
    measurements += [
        Measurement(
            f"Lambda package, added over the core (zipped): {r['group']}",
            r["zipped_added"] / MB,
            "MB",
        )
        for r in rows[:TOP_CONTRIBUTORS]
        if r["zipped_added"] > 0
    ]
    measurements += [
        Measurement(
            f"Lambda package without {', '.join(sorted(sdk))} (in the runtime), zipped",
            without_sdk / MB,
            "MB",
        ),
        Measurement(
            f"Lambda package without what only chalice's CLI needs ({biggest_cli}, "
            f"… {len(cli_only)} distributions), zipped",
            without_cli / MB,
            "MB",
        ),
    ]
    return measurements


def run() -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="kmzb-package-size-") as tmp:
        work = Path(tmp)
        print("package_size: packaging the project ...", file=sys.stderr, flush=True)
        project = read_package(chalice_package(PROJECT_ROOT, work / "project-package"))
        print("package_size: packaging the core libraries only ...", file=sys.stderr, flush=True)
        baseline_dir = build_baseline(work / "baseline")
        baseline = read_package(chalice_package(baseline_dir, work / "baseline-package"))
        return measure(project, baseline)


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
