"""A garrison's site: the bucket of the map, the panel and the public feed; the CloudFront
distribution in front of the bucket and of the API; the deployed files."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from chalicelib.contract import API_STAGE, FORWARDED_HEADERS, ORIGIN_HEADER, site_bucket_name
from infra.constructs import Part
from infra.protection import log_bucket
from infra.site_distribution import (
    private_bucket,
    security_headers_policy,
    site_distribution,
    site_files,
)

FEEDS = "feeds/"  # the feed writer's (the functions'): a site deploy never prunes it


class Site(Part):
    """`bucket` and `log_bucket` at once; `serve(...)` makes `distribution`, `site_url` and
    `panel_url`; `publish(config)` deploys the files with the site's config.json."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        garrison: str,
        national_distribution_arn: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.garrison = garrison
        stack = cdk.Stack.of(self)
        self.log_bucket = log_bucket(self, garrison)
        self.bucket = bucket = private_bucket(
            self,
            bucket_name=site_bucket_name(garrison, stack.account, stack.region),
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3-access/site/",
            lifecycle_rules=[
                # Every feed build writes new immutable files; old ones are kept a while.
                s3.LifecycleRule(prefix=FEEDS, noncurrent_version_expiration=cdk.Duration.days(30)),
            ],
            # The feed is open data: anyone's page may read it.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=3600,
                )
            ],
        )
        if national_distribution_arn:
            bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="NationalMapReadsTheFeed",
                    principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                    actions=["s3:GetObject"],
                    resources=[bucket.arn_for_objects(f"{FEEDS}{garrison}/*")],
                    conditions={"StringEquals": {"AWS:SourceArn": national_distribution_arn}},
                )
            )

    def serve(
        self,
        *,
        api_domain: str,
        origin_secret: str,
        sign_in_origin: str,
        tiles: dict[str, Any],
        domain_name: str | None,
        certificate_arn: str | None,
        web_acl_arn: str | None,
    ) -> cloudfront.Distribution:
        """The distribution: the bucket, and `/v1/*` and `/open311/*` to the API (never cached,
        only the headers the API reads, with the origin secret)."""
        headers = security_headers_policy(
            self, connect_src=[sign_in_origin], img_src=tile_hosts(tiles)
        )
        api_cache = cloudfront.CachePolicy(
            self,
            "ApiCachePolicy",
            comment="KMZB API: never cached; Authorization reaches the API",
            default_ttl=cdk.Duration.seconds(0),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.seconds(1),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        )
        api_requests = cloudfront.OriginRequestPolicy(
            self,
            "ApiRequestPolicy",
            comment="KMZB API: the headers the API reads",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
                # Authorization is in the cache key, which forwards it already.
                *(h.title() for h in FORWARDED_HEADERS if h != "authorization")
            ),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        api = cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(
                api_domain,
                origin_path=f"/{API_STAGE}",
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                custom_headers={ORIGIN_HEADER: origin_secret},
            ),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=api_cache,
            origin_request_policy=api_requests,
            response_headers_policy=headers,
            compress=True,
        )
        self.distribution = site_distribution(
            self,
            bucket=self.bucket,
            headers=headers,
            comment=f"KMZB {self.garrison}",
            domain_name=domain_name,
            certificate_arn=certificate_arn,
            web_acl_arn=web_acl_arn,
            # The API and Open311 GeoReport v2 (docs/OPEN311.md): the same origin and policies.
            additional_behaviors={"/v1/*": api, "/open311/*": api},
        )
        self.site_url = (
            f"https://{domain_name}"
            if domain_name
            else f"https://{self.distribution.distribution_domain_name}"
        )
        self.panel_url = f"{self.site_url}/officer/"
        return self.distribution

    def publish(self, config: dict[str, Any]) -> None:
        """Deploy the site with `config` as its config.json (what the pages read first)."""
        site_files(
            self,
            bucket=self.bucket,
            distribution=self.distribution,
            generated={"config.json": config},
            keep=[f"{FEEDS}*"],
        )


def tile_hosts(tiles: dict[str, Any]) -> list[str]:
    """The https origin of the map's tile server in a garrison's `tiles` setting, if any."""
    url = tiles.get("tiles")
    url = url.get("url") if isinstance(url, dict) else url
    if not isinstance(url, str):
        return []
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme == "https" else []
