"""One garrison's deployment: one CloudFormation stack, its id the garrison's slug.

The stack only puts its parts together (infra/constructs/): each part is one concern,
and the order below is the order of their references. Names the stack and the functions
must agree on come from chalicelib.contract; the functions' stage and IAM policy from
infra.stages. Logical ids are those of resources defined on the stack itself
(infra.constructs.KmzbStack), so deployed stacks update in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from chalicelib.contract import resource_names
from infra.constructs import KmzbStack
from infra.constructs.api import CHALICE_FUNCTIONS, GATEWAY_MESSAGES, Api
from infra.constructs.data import Data
from infra.constructs.notifications import Notifications
from infra.constructs.officers import Officers
from infra.constructs.site import Site
from infra.protection import Protection, ReservedConcurrency

__all__ = ["CHALICE_FUNCTIONS", "GATEWAY_MESSAGES", "GarrisonOptions", "GarrisonStack"]


@dataclass(frozen=True)
class GarrisonOptions:
    """What an admin may set per garrison (infra/deployments.json)."""

    admin_emails: tuple[str, ...] = ()
    domain_name: str | None = (
        None  # a custom domain for the site, e.g. kmzb.malopolska.policja.gov.pl
    )
    certificate_arn: str | None = None  # ACM certificate in us-east-1 for domain_name
    cognito_domain_prefix: str | None = None  # globally unique per region
    national_distribution_arn: str | None = None  # the national map's CloudFront distribution
    tiles: dict[str, Any] = field(default_factory=dict)  # config.json's tiles for the map
    protection: Protection = field(default_factory=Protection)  # WAF, concurrency, throttling


class GarrisonStack(KmzbStack):
    def __init__(
        self,
        scope: Construct,
        garrison: str,
        *,
        unit_ids: list[str],
        headquarters: str,
        options: GarrisonOptions,
        env: cdk.Environment,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            garrison,  # the functions' Chalice stage is the stack's id
            stack_name=f"kmzb-{garrison}",
            env=env,
            # The web ACL lives in us-east-1 (infra/protection.EdgeStack).
            cross_region_references=web_acl_arn is not None,
            synthesizer=ReservedConcurrency(options.protection.concurrency),
            description=f"KMZB: {headquarters} ({garrison})",
        )
        cdk.Tags.of(self).add("kmzb:garrison", garrison)
        names = resource_names(garrison)

        self.data = Data(self, "Data", names=names)
        self.notifications = Notifications(
            self,
            "Notifications",
            garrison=garrison,
            names=names,
            unit_ids=unit_ids,
            admin_emails=options.admin_emails,
        )
        self.officers = Officers(
            self, "Officers", garrison=garrison, domain_prefix=options.cognito_domain_prefix
        )
        self.site = Site(
            self,
            "Site",
            garrison=garrison,
            national_distribution_arn=options.national_distribution_arn,
        )
        self.api = Api(
            self,
            "Api",
            garrison=garrison,
            reports_stream_arn=self.data.reports.attr_stream_arn,
            topic_arn_prefix=self.notifications.topic_arn_prefix,
            site_bucket=self.site.bucket.bucket_name,
            issuer=self.officers.issuer,
            protection=options.protection,
        )
        self.distribution = self.site.serve(
            api_domain=self.api.domain,
            origin_secret=self.data.origin_secret.secret_value.unsafe_unwrap(),
            sign_in_origin=self.officers.hosted_ui.base_url(),
            tiles=options.tiles,
            domain_name=options.domain_name,
            certificate_arn=options.certificate_arn,
            web_acl_arn=web_acl_arn,
        )
        self.api.link_panel(self.site.panel_url)
        panel = self.officers.add_panel_client(self.site.panel_url, names["panel_client_parameter"])
        self.site.publish(
            {
                "garrison": garrison,
                "cognito": {
                    "domain": self.officers.hosted_ui.base_url(),
                    "client_id": panel.user_pool_client_id,
                },
                **options.tiles,
            }
        )
        self.monitoring = _monitoring(self, garrison, web_acl_arn)
        self.log_bucket = self.site.log_bucket  # infra.cdk_app: CloudFront's access logs
        self._outputs(names)

    def _outputs(self, names: dict[str, str]) -> None:
        for name, value, description in (
            ("SiteUrl", self.site.site_url, "The map"),
            ("PanelUrl", self.site.panel_url, "The officer panel"),
            ("DistributionDomain", self.distribution.distribution_domain_name, "CNAME target"),
            ("UserPoolId", self.officers.user_pool.user_pool_id, "Officers' accounts"),
            ("TopicArnPrefix", self.notifications.topic_arn_prefix, "kmzb-admin"),
            (
                "NotificationDeadLettersArn",
                self.notifications.dead_letters.queue_arn,
                "kmzb-admin subscribe: undeliverable messages",
            ),
            ("AdminTopicArn", self.notifications.admin_topic.topic_arn, "Alarms"),
            ("SiteBucketName", self.site.bucket.bucket_name, "Site and feed"),
            ("ReportsTableName", names["reports_table"], "Reports"),
        ):
            cdk.CfnOutput(self, name, value=value, description=description)


def _monitoring(stack: GarrisonStack, garrison: str, web_acl_arn: str | None) -> Any:
    """The dashboard and the alarms of the garrison's region: infra/monitoring.py."""
    from chalicelib.contract import API_STAGE
    from infra.monitoring import Monitoring

    return Monitoring(
        stack,
        "Monitoring",
        garrison=garrison,
        topic=stack.notifications.admin_topic,
        functions={f: stack.api.function_name(f) for f in CHALICE_FUNCTIONS},
        api_name=f"kmzb-{garrison}",
        api_stage=API_STAGE,
        dead_letter_queues={
            "NotificationDeadLetters": stack.notifications.dead_letters,
            "StreamDeadLetters": stack.api.stream_dead_letters,
        },
        web_acl=f"kmzb-{garrison}" if web_acl_arn else None,
    )


def garrison_options(settings: dict[str, Any], garrison: str) -> GarrisonOptions:
    """A garrison's options from infra/deployments.json ("*" applies to every garrison)."""
    entry = {
        **settings.get("garrisons", {}).get("*", {}),
        **settings.get("garrisons", {}).get(garrison, {}),
    }
    national = settings.get("national", {}).get("distribution_arn") or None
    return GarrisonOptions(
        admin_emails=tuple(entry.get("admin_emails", ())),
        domain_name=entry.get("domain_name") or None,
        certificate_arn=entry.get("certificate_arn") or None,
        cognito_domain_prefix=entry.get("cognito_domain_prefix") or None,
        national_distribution_arn=national,
        tiles=entry.get("tiles", {}),
        protection=Protection.from_settings(entry.get("protection", {})),
    )
