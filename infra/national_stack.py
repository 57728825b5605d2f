"""The national map: one site showing every garrison's feed.

The national distribution serves the map from its own private bucket and routes
`/feeds/<garrison>/*` to each garrison's bucket (origin access control; each
garrison's bucket policy lets this distribution read its feed, see
infra/constructs/site.py). The map reads `/feeds/national.json`, which names every
garrison's pointer, so the page, the pointers and the feeds share one origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from chalicelib import categories, statuses
from chalicelib.contract import site_bucket_name
from infra.constructs import KmzbStack
from infra.protection import ReservedConcurrency, log_bucket
from infra.site_distribution import (
    private_bucket,
    security_headers_policy,
    site_distribution,
    site_files,
    static_files,
)

MANIFEST = "feeds/national.json"
# Read-only: reports and confirmations are made on the garrison's own map.
NATIONAL_CONFIG = {"manifest": f"/{MANIFEST}", "reporting": False}


@dataclass(frozen=True)
class GarrisonSite:
    garrison: str
    headquarters: str
    account: str
    region: str

    @property
    def bucket_name(self) -> str:
        return site_bucket_name(self.garrison, self.account, self.region)


def national_manifest(garrisons: list[GarrisonSite]) -> dict[str, object]:
    """The map's manifest: each garrison's pointer, read at load time (see docs/FEED.md)."""
    return {
        "format": "kmzb-national-1",
        "garrisons": [
            {
                "garrison": g.garrison,
                "headquarters": g.headquarters,
                "pointer": f"/feeds/{g.garrison}/current.json",
            }
            for g in garrisons
        ],
    }


class NationalStack(KmzbStack):
    def __init__(
        self,
        scope: Construct,
        *,
        garrisons: list[GarrisonSite],
        env: cdk.Environment,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            "national",
            stack_name="kmzb-national",
            env=env,
            cross_region_references=web_acl_arn is not None,
            synthesizer=ReservedConcurrency(),
            description="KMZB: the national map of all garrisons' feeds",
        )
        self.log_bucket = log_bucket(self, "national")
        bucket = private_bucket(
            self,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3-access/site/",
        )
        headers = security_headers_policy(self, connect_src=[], img_src=[])
        feeds: dict[str, cloudfront.BehaviorOptions] = {}
        for site in garrisons:
            garrison_bucket = s3.Bucket.from_bucket_attributes(
                self,
                f"Feed{site.garrison.replace('-', '')}",
                bucket_name=site.bucket_name,
                region=site.region,
            )
            feeds[f"/feeds/{site.garrison}/*"] = static_files(
                origins.S3BucketOrigin.with_origin_access_control(
                    garrison_bucket,
                    # The garrison's own bucket policy grants this distribution; an
                    # imported bucket's policy cannot be changed from here.
                    origin_access_levels=[cloudfront.AccessLevel.READ],
                ),
                headers,
            )
        self.distribution = distribution = site_distribution(
            self,
            bucket=bucket,
            headers=headers,
            comment="KMZB national map",
            domain_name=domain_name,
            certificate_arn=certificate_arn,
            web_acl_arn=web_acl_arn,
            additional_behaviors=feeds,
        )
        site_files(
            self,
            bucket=bucket,
            distribution=distribution,
            generated={
                "config.json": NATIONAL_CONFIG,
                MANIFEST: national_manifest(garrisons),
                # The map names categories and statuses from the API's catalogues: static here.
                "v1/categories": categories.catalogue(),
                "v1/statuses": statuses.catalogue(),
            },
            skip=["officer", "officer/*"],
        )
        cdk.CfnOutput(self, "SiteUrl", value=f"https://{distribution.distribution_domain_name}")
        cdk.CfnOutput(
            self,
            "DistributionArn",
            value=self.format_arn(
                service="cloudfront",
                region="",
                resource="distribution",
                resource_name=distribution.distribution_id,
            ),
            description="Set it as national.distribution_arn in infra/deployments.json",
        )
