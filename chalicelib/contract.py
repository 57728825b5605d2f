"""What a garrison's stack and its functions must agree on, in one place both import.

The CDK stack (infra/) names the resources, puts the origin-verification header on
CloudFront's requests to the API and forwards only some of the viewer's headers; the
functions (app.py, chalicelib/) find the resources by these names, check that header and
read those headers. The local stand-ins (infra/site_server.py for CloudFront) follow the
same lists. Standard library only: it is packaged with the functions and imported on
their cold start.
"""

from __future__ import annotations

# CloudFront → API: a secret proving the request came through the distribution (without it
# the request went straight to API Gateway and its X-Forwarded-For is not believed).
ORIGIN_HEADER = "x-kmzb-origin"

# The viewer's headers CloudFront passes to the API, lower-case (Authorization: the
# officers' tokens, also part of the API's cache key). Any other header never reaches it.
FORWARDED_HEADERS = (
    "authorization",
    "content-type",
    "content-encoding",
    "idempotency-key",
    "accept",
    "accept-language",
)

# The API's headers a client may read (the local site server copies these back).
RETURNED_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Retry-After",
    "Location",
    "Idempotent-Replayed",
    "Allow",
    "Content-Language",
    "Vary",
    "Deprecation",  # RFC 9745: a request used a release-1 status label (chalicelib/statuses.py)
)

# API Gateway's stage: the distribution's `/v1/*` reaches the API under `/api/v1/*`.
API_STAGE = "api"

# Where the deployment package's data lands (vendor/kmzb_data/, see infra/lambda_data.py).
LAMBDA_DATA_DIR = "/var/task/kmzb_data"


def resource_names(garrison: str) -> dict[str, str]:
    """The names of a garrison's resources, by role.

    Keys: reports_table, limits_table, idempotency_table, audit_table, topic_prefix (a unit's
    topic is the prefix + the unit's id), admin_topic, stream_dead_letters,
    notification_dead_letters, bucket_prefix (the bucket adds `<account>-<region>`), secret
    (the HMAC key of client addresses), origin_secret (the value of ORIGIN_HEADER),
    panel_client_parameter (SSM: the officer panel's app client id, the tokens' audience).
    """
    prefix = f"kmzb-{garrison}"
    return {
        "reports_table": f"{prefix}-reports",
        "limits_table": f"{prefix}-limits",
        "idempotency_table": f"{prefix}-idempotency",
        "audit_table": f"{prefix}-audit",
        "topic_prefix": f"{prefix}-unit-",
        "admin_topic": f"{prefix}-admins",
        "stream_dead_letters": f"{prefix}-reports-stream-dlq",
        "notification_dead_letters": f"{prefix}-notifications-dlq",
        "bucket_prefix": f"{prefix}-site-",
        "secret": f"kmzb/{garrison}/client-key",
        "origin_secret": f"kmzb/{garrison}/origin-verify",
        "panel_client_parameter": f"/kmzb/{garrison}/panel-client-id",
    }


def site_bucket_name(garrison: str, account: str, region: str) -> str:
    """The garrison's site and feed bucket (bucket names are global: account and region)."""
    return f"{resource_names(garrison)['bucket_prefix']}{account}-{region}"
