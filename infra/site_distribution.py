"""What the garrison and national stacks share: a private bucket served by CloudFront.

The bucket is read only through origin access control; the distribution serves
`folder/index.html` for `folder/`, sends the security headers of
`infra.site_headers` on every response and takes the admin's domain and
certificate when there are any.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import site_headers
from infra.engines import PROJECT_ROOT

STATIC_SITE = PROJECT_ROOT / "static_site"

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
