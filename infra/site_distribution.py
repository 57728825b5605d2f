"""What the garrison and national stacks share: a private bucket served by CloudFront.

The bucket is read only through origin access control; the distribution serves
`folder/index.html` for `folder/`, sends the security headers of
`infra.site_headers` on every response and takes the admin's domain and
certificate when there are any.

`site_files` deploys the site that `python -m infra.build_site` builds into build/site/:
content-hashed files under assets/ (cached for a year, never pruned, so a page cached in a
browser before a deploy still finds its modules), and the few unhashed files (the pages,
config.json) with a short cache, whose exact paths alone are invalidated (CloudFront takes a
`*` only as a path's last character). Until the site is built that way, static_site/ is
deployed as it is, and everything is invalidated ("/*").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra import site_headers
from infra.paths import PROJECT_ROOT
from infra.protection import skip_deployment_helper_policy

STATIC_SITE = PROJECT_ROOT / "static_site"
BUILT_SITE = PROJECT_ROOT / "build" / "site"  # python -m infra.build_site (SITE BUILD on the board)
HASHED = "assets"  # build/site/assets/: every file's name carries its content's hash
HASHED_CACHE = "public, max-age=31536000, immutable"
# Browsers revalidate the pages each time (ETag); CloudFront keeps them 5 minutes, and a
# deploy invalidates them.
UNHASHED_CACHE = "public, max-age=0, s-maxage=300"

INDEX_FUNCTION = """function handler(event) {
  var request = event.request;
  if (request.uri.endsWith("/")) { request.uri += "index.html"; }
  return request;
}"""


def private_bucket(scope: Construct, **extra: Any) -> s3.Bucket:
    """The site's bucket: no public access, versioned, encrypted, TLS only, kept on deletion."""
    return s3.Bucket(
        scope,
        "SiteBucket",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        versioned=True,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=cdk.RemovalPolicy.RETAIN,
        **extra,
    )


def static_files(
    origin: cloudfront.IOrigin, headers: cloudfront.IResponseHeadersPolicy, **extra: Any
) -> cloudfront.BehaviorOptions:
    """A behaviour for files from a bucket: cached, compressed, https only."""
    return cloudfront.BehaviorOptions(
        origin=origin,
        viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
        response_headers_policy=headers,
        compress=True,
        **extra,
    )


def site_distribution(
    scope: Construct,
    *,
    bucket: s3.IBucket,
    headers: cloudfront.IResponseHeadersPolicy,
    comment: str,
    domain_name: str | None,
    certificate_arn: str | None,
    additional_behaviors: dict[str, cloudfront.BehaviorOptions],
    web_acl_arn: str | None = None,
) -> cloudfront.Distribution:
    index_pages = cloudfront.Function(
        scope,
        "IndexPages",
        runtime=cloudfront.FunctionRuntime.JS_2_0,
        comment="Serve folder/index.html for folder/ (the officer panel)",
        code=cloudfront.FunctionCode.from_inline(INDEX_FUNCTION),
    )
    certificate = None
    if certificate_arn:
        from aws_cdk import aws_certificatemanager as acm

        certificate = acm.Certificate.from_certificate_arn(
            scope, "SiteCertificate", certificate_arn
        )
    distribution = cloudfront.Distribution(
        scope,
        "Site",
        comment=comment,
        default_root_object="index.html",
        domain_names=[domain_name] if domain_name else None,
        certificate=certificate,
        minimum_protocol_version=(
            cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None
        ),
        http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        web_acl_id=web_acl_arn,  # WAFv2: the ACL's ARN (infra/protection.EdgeStack)
        price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        default_behavior=static_files(
            origins.S3BucketOrigin.with_origin_access_control(bucket),
            headers,
            function_associations=[
                cloudfront.FunctionAssociation(
                    function=index_pages, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                )
            ],
        ),
        additional_behaviors=additional_behaviors,
    )
    # checkov's CKV_AWS_86 and (without a certificate) CKV_AWS_174, each with its reason.
    from infra.protection import distribution_checkov_skips

    distribution_checkov_skips(distribution, custom_certificate=certificate is not None)
    return distribution


def security_headers_policy(
    scope: Construct, connect_src: list[str], img_src: list[str]
) -> cloudfront.ResponseHeadersPolicy:
    """The response headers of infra.site_headers (what `make run`'s site server sends too)."""
    headers = site_headers.security_headers(connect_src, img_src, https=True)
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        comment="KMZB: strict CSP, HSTS, nosniff, no framing",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=headers["Content-Security-Policy"], override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=cdk.Duration.seconds(site_headers.HSTS_MAX_AGE_SECONDS),
                include_subdomains=True,
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                override=True,
            ),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
            custom_headers=[
                cloudfront.ResponseCustomHeader(
                    header="Permissions-Policy",
                    value=headers["Permissions-Policy"],
                    override=True,
                )
            ]
        ),
    )


def site_root() -> Path:
    """The folder to deploy: the built site, or static_site/ until it is built."""
    return BUILT_SITE if (BUILT_SITE / "index.html").is_file() else STATIC_SITE


def invalidation_paths(root: Path, skip: Sequence[str], generated: Sequence[str]) -> list[str]:
    """The distribution's paths a deploy of `root` changes: each unhashed file by its exact
    path (a folder's index.html also as the folder), "/*" when nothing is hashed."""
    if not (root / HASHED).is_dir():
        return ["/*"]
    files = [
        f.relative_to(root).as_posix()
        for f in sorted(root.rglob("*"))
        if f.is_file() and f.relative_to(root).parts[0] != HASHED
    ]
    paths = []
    for name in [*files, *generated]:
        if any(name == s or name.startswith(s.rstrip("*")) for s in skip if s.endswith("*")):
            continue
        if name in skip:
            continue
        paths.append("/" + name)
        if name == "index.html" or name.endswith("/index.html"):
            paths.append("/" + name.removesuffix("index.html"))
    return sorted(set(paths))


def site_files(
    scope: Construct,
    *,
    bucket: s3.IBucket,
    distribution: cloudfront.IDistribution,
    generated: Mapping[str, Any],
    skip: Sequence[str] = (),
    keep: Sequence[str] = (),
    root: Path | None = None,
) -> s3_deployment.BucketDeployment:
    """Deploy the site to `bucket`, with `generated` (path → JSON data) on top, then invalidate.

    skip: the site's paths (or `folder/*`) left out; keep: the bucket's paths (`prefix/*`)
    a deploy never prunes (another writer's, e.g. the feed).
    """
    root = root or site_root()
    hashed = (root / HASHED).is_dir()
    assets = None
    if hashed:
        # First: the deployments share one handler, made with the first one's layer, and the
        # pages' deployment waits for this one.
        assets = s3_deployment.BucketDeployment(
            scope,
            "SiteAssets",
            sources=[s3_deployment.Source.asset(str(root / HASHED))],
            destination_bucket=bucket,
            destination_key_prefix=f"{HASHED}/",
            prune=False,  # old pages cached in browsers still load their modules
            cache_control=[s3_deployment.CacheControl.from_string(HASHED_CACHE)],
            memory_limit=512,
        )
    leave_out = [HASHED, f"{HASHED}/*"] if hashed else []
    sources = [s3_deployment.Source.asset(str(root), exclude=[*leave_out, *skip, *generated])]
    sources += [s3_deployment.Source.json_data(path, data) for path, data in generated.items()]
    files = s3_deployment.BucketDeployment(
        scope,
        "SiteFiles",
        sources=sources,
        destination_bucket=bucket,
        exclude=[*keep, *leave_out[1:]] or None,  # neither pruned nor deployed here
        prune=True,
        cache_control=[s3_deployment.CacheControl.from_string(UNHASHED_CACHE)] if hashed else None,
        distribution=distribution,
        distribution_paths=invalidation_paths(root, skip, list(generated)),
        memory_limit=512,
    )
    skip_deployment_helper_policy(files)  # the handler's role, shared by both
    if assets is not None:
        files.node.add_dependency(assets)  # the pages only once what they load is there
    return files
