"""The site's local S3 bucket on moto: the static site, its config.json and the feeds.

As in AWS, the bucket holds both the site and the public feeds; the local stand-in
for CloudFront (infra/site_server.py) reads it anonymously, which the bucket's
public-read policy allows (in AWS, CloudFront's origin access control does).

The site is the built one (build/site/, infra/build_site.py), rebuilt first when static_site/
changed. Each object carries its Cache-Control, as the deployment sets it: a content-hashed
file under assets/ is immutable for a year, the pages and config.json are revalidated each time.

    python -m infra.local_site      # make run calls this; settings from KMZB_*
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
from pathlib import Path
from typing import Any

from infra.engines import PROJECT_ROOT

SITE_ROOT = PROJECT_ROOT / "build" / "site"  # infra/build_site.py
HASHED_PREFIX = "assets/"  # every file under it has its content's hash in its name
HASHED_CACHE = "public, max-age=31536000, immutable"
UNHASHED_CACHE = "no-cache"  # revalidated (ETag) each time: a new build shows at once
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def site_config(api: str = "/v1") -> dict[str, str]:
    """The deployment's config.json: where the API, the feeds and the tiles are."""
    return {
        "api": api,
        "manifest": "/feeds/manifest.json",
        "tiles": TILES,
        "tiles_attribution": ATTRIBUTION,
    }


def cache_control(key: str) -> str:
    """The Cache-Control of the site's object `key`: hashed assets are immutable."""
    return HASHED_CACHE if key.startswith(HASHED_PREFIX) else UNHASHED_CACHE


def upload_site(s3: Any, bucket: str, root: Path = SITE_ROOT) -> int:
    count = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        key = path.relative_to(root).as_posix()
        content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        cache = cache_control(key)
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type or "application/octet-stream",
            CacheControl=cache,
        )
        count += 1
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(site_config()).encode(),
        ContentType="application/json",
        CacheControl=UNHASHED_CACHE,
    )
    return count


def rebuild_all_feeds(deployment: Any) -> int:
    """Build every served garrison's feed from DynamoDB and publish it, then the manifest once;
    returns the number of reports the feeds show.

    moto's bucket is in memory while the reports are kept (DynamoDB Local's files), so at each
    start the feeds are rebuilt, whatever the feed records say was built before: after a
    restart the map shows every public report it showed before, and any change since. Each
    build is recorded as the stream handler's would be, so the event pump's first refresh does
    not build them all again.
    """
    from chalicelib import feed

    store, now = deployment.store, deployment.clock()
    writer = deployment.feed_writer
    pointers, shown = [], 0
    for garrison in sorted(deployment.router.served):
        store.claim_feed_build(garrison, now.timestamp(), 0.0)
        reports = store.public_reports(garrison)
        headquarters = deployment.router.garrisons[garrison].headquarters
        built = feed.build_garrison_feed(reports, garrison, headquarters, now)
        writer.publish(built)
        pointers.append(built.pointer)
        shown += int(built.pointer["count"])
    writer.put(feed.manifest_file(pointers, now))
    return shown


def main() -> int:
    import boto3

    from chalicelib.deployment import Deployment, Settings
    from infra.build_site import ensure_site

    ensure_site(SITE_ROOT)
    settings = Settings.from_env()
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint)
    ensure_bucket(s3, settings.site_bucket, settings.region)
    files = upload_site(s3, settings.site_bucket)
    shown = rebuild_all_feeds(Deployment(settings))
    print(
        f"site: {files} files in s3://{settings.site_bucket}; "
        f"feeds of every garrison rebuilt: {shown} public reports"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
