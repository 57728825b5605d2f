"""The site build (SITE BUILD): esbuild's content-hashed bundles in build/site/, and the cache
metadata `make run` uploads them with (moto's S3), as infra/build_site.py and
infra/local_site.py make them. Built into temporary folders: build/site/ is left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from infra.build_site import SITE_SOURCE, build, build_site, is_built, site_is_current
from infra.engines import Engine
from infra.local_site import HASHED_CACHE, UNHASHED_CACHE, cache_control, upload_site

PAGES = ("index.html", "officer/index.html")
HASHED_NAME = re.compile(r"^[a-z-]+-[A-Z0-9]{8,}\.(js|css)$")
LOCAL_REFERENCE = re.compile(r'(?:src|href)="(?!https?:|/|#)([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not is_built():
        build()
    yield build_site(tmp_path_factory.mktemp("site") / "site")


def local_references(root: Path, page: str) -> list[Path]:
    html = (root / page).read_text("utf-8")
    return [(root / page).parent / ref for ref in LOCAL_REFERENCE.findall(html)]


def test_only_the_pages_are_unhashed_and_every_asset_is_named_by_its_content(site: Path) -> None:
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    unhashed = [f for f in files if not f.startswith("assets/")]
    assert unhashed == sorted(PAGES)
    for name in files:
        if name.startswith("assets/leaflet-"):  # Leaflet's images: one hashed folder
            assert re.fullmatch(r"assets/leaflet-[A-Z0-9]{8,}/[a-z0-9-]+\.png", name), name
        elif name.startswith("assets/"):
            assert HASHED_NAME.match(name.removeprefix("assets/")), name


def test_each_page_loads_only_existing_hashed_assets_and_no_vendor_file(site: Path) -> None:
    for page in PAGES:
        html = (site / page).read_text("utf-8")
        assert "vendor/" not in html
        references = local_references(site, page)
        scripts = [r for r in references if r.suffix == ".js"]
        sheets = [r for r in references if r.suffix == ".css"]
        assert scripts and len(sheets) == 1, page  # Leaflet's CSS and the page's: one file
        for reference in references:
            if reference.suffix in (".js", ".css"):
                path = reference.resolve()
                assert path.is_file(), (page, reference)
                assert path.parent == (site / "assets").resolve(), (page, reference)
        assert '<script type="module" src="' in html


def test_the_map_bundle_names_the_hashed_worker_and_the_css_the_hashed_images(site: Path) -> None:
    assets = site / "assets"
    (worker,) = assets.glob("cluster-worker-*.js")
    assert any(worker.name in p.read_text("utf-8") for p in assets.glob("*.js") if p != worker)
    (folder,) = assets.glob("leaflet-*")
    assert (folder / "marker-icon.png").is_file() and (folder / "marker-shadow.png").is_file()
    (css,) = assets.glob("map-*.css")
    urls = set(re.findall(r"url\(([^)#]+)\)", css.read_text("utf-8")))
    assert urls and all(url.startswith(f"{folder.name}/") for url in urls), urls
    for url in urls:
        assert (assets / url).is_file(), url


def test_a_rebuild_of_the_same_sources_gives_the_same_names(site: Path, tmp_path: Path) -> None:
    again = build_site(tmp_path / "site")
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert names == {p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file()}
    for page in PAGES:
        assert (site / page).read_bytes() == (again / page).read_bytes()


def test_the_build_is_stale_once_a_source_is_newer(site: Path) -> None:
    assert site_is_current(site)
    index = site / "index.html"
    source = SITE_SOURCE / "app.js"
    stamp = index.stat()
    try:
        os.utime(index, (stamp.st_atime, source.stat().st_mtime - 10))
        assert not site_is_current(site)
    finally:
        os.utime(index, (stamp.st_atime, stamp.st_mtime))
    assert not site_is_current(site.parent / "nothing-here")


CACHE_CASES = [
    ("index.html", UNHASHED_CACHE),
    ("officer/index.html", UNHASHED_CACHE),
    ("config.json", UNHASHED_CACHE),
    ("assets/app-ABCDEFGH.js", HASHED_CACHE),
    ("assets/map-ABCDEFGH.css", HASHED_CACHE),
    ("assets/leaflet-ABCDEFGH/marker-icon.png", HASHED_CACHE),
    ("officer/assets-like.js", UNHASHED_CACHE),  # only the top-level assets/ is hashed
]


@pytest.mark.parametrize(("key", "expected"), CACHE_CASES)
def test_cache_control_by_key(key: str, expected: str) -> None:
    assert cache_control(key) == expected


def test_the_uploaded_site_carries_immutable_assets_and_revalidated_pages(
    site: Path, moto_server: Engine, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url=moto_server.url)
    bucket = f"site-build-{tmp_path.name.lower().replace('_', '-')[:30]}"
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    count = upload_site(s3, bucket, site)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert count == len(keys) - 1  # and config.json
    assert HASHED_CACHE == "public, max-age=31536000, immutable"
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        expected = HASHED_CACHE if key.startswith("assets/") else UNHASHED_CACHE
        assert head["CacheControl"] == expected, key
        if key.endswith(".js"):
            assert head["ContentType"] == "text/javascript; charset=utf-8", key
