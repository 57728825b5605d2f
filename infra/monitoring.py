"""What the garrison's operators watch and what pages them: a dashboard and alarms.

- `Monitoring` (in a garrison's stack): the CloudWatch dashboard `kmzb-<slug>` (the business
  metrics of `BUSINESS_METRICS`, the functions' errors, throttles and durations, the API's
  requests, 5xx and latency, the WAF's blocks) and every alarm of the garrison's region,
  each publishing to the operators' topic (the stack's encrypted `kmzb-<slug>-admins`,
  subscribed by `admin_emails` in infra/deployments.json).
- `waf_blocks_alarm` (in the site's us-east-1 edge stack, infra/protection.EdgeStack): WAF for
  CloudFront reports its metrics in us-east-1 only and an alarm watches its own region's
  metrics only, so that alarm lives beside the web ACL with a topic of its own there
  (`operators_topic`, the same e-mails).

The runbook of every alarm is docs/OPERATIONS.md; the alarm's description names its section.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as sns_subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# The runtime's metrics (the board's METRICS contract; powertools Metrics): namespace, the
# default dimensions, and each metric with its unit. Those not emitted yet (network ceiling,
# proof of work, attachments: issues 13/14) are on the dashboard all the same.
NAMESPACE = "KMZB"
SERVICE = "kmzb"
REPORT_METRICS = (
    "ReportsAccepted",
    "ReportsRefusedDailyLimit",
    "ReportsRefusedNetworkCeiling",
    "ReportsRefusedProofOfWork",
    "ReportsRefusedValidation",
)
NOTIFICATION_METRICS = (
    "NotificationsPublished",
    "NotificationsFailed",
    "NotificationsDeadLettered",
)
OFFICER_METRICS = ("StatusChanges", "AttachmentsRefused")
FEED_METRICS = ("FeedBuilds", "FeedBuildDuration", "FeedAge")
BUSINESS_METRICS = (*REPORT_METRICS, *NOTIFICATION_METRICS, *OFFICER_METRICS, *FEED_METRICS)

RUNBOOK = "docs/OPERATIONS.md"
FIVE_MINUTES = cdk.Duration.minutes(5)
# The feed may lag this long behind the newest change before the operators are paged.
FEED_AGE_LIMIT_SECONDS = 600
# No FeedAge at all for this long: refresh_feeds (which emits it every minute) is not running.
FEED_SILENCE = cdk.Duration.minutes(10)
# The API's 5xx answers, in percent of its requests over FIVE_MINUTES.
API_5XX_PERCENT = 1
# WAF's rate rule (infra/protection.web_acl) blocking more than this many requests in
# FIVE_MINUTES pages (a flood, or a crowd behind one address); per garrison in
# `protection.rate_blocks_alarm_per_5_minutes`.
DEFAULT_BLOCKS_ALARM = 50
RATE_RULE = "ReportsPerAddress"
# The title of the officers' notifications' dead-letter queue in `dead_letter_queues`.
NOTIFICATION_DEAD_LETTERS = "NotificationDeadLetters"
WAF_REGION = "us-east-1"


def business_metric(garrison: str, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
    """One of BUSINESS_METRICS of one garrison (national functions: garrison "national")."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE, "garrison": garrison},
        statistic=statistic,
        period=FIVE_MINUTES,
    )


def waf_blocks(web_acl: str, region: str | None = None) -> cloudwatch.Metric:
    """Requests the rate rule of the web ACL named web_acl blocked (AWS/WAFV2, us-east-1 for
    CloudFront, no Region dimension), summed over FIVE_MINUTES."""
    return cloudwatch.Metric(
        namespace="AWS/WAFV2",
        metric_name="BlockedRequests",
        dimensions_map={"WebACL": web_acl, "Rule": RATE_RULE},
        statistic="Sum",
        period=FIVE_MINUTES,
        region=region,
    )


def operators_topic(
    scope: Construct, logical_id: str, *, name: str, description: str, emails: Sequence[str]
) -> sns.Topic:
    """An encrypted topic the alarms of scope's stack publish to, with an e-mail subscription
    per address (each confirms by a link). The key lets CloudWatch publish (the AWS-managed
    SNS key does not)."""
    key = kms.Key(
        scope,
        f"{logical_id}Key",
        description=description,
        enable_key_rotation=True,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],  # in a key policy `*` means this key
        )
    )
    topic = sns.Topic(
        scope,
        logical_id,
        topic_name=name,
        display_name="KMZB alarmy",
        master_key=key,
        enforce_ssl=True,
    )
    for email in emails:
        topic.add_subscription(sns_subscriptions.EmailSubscription(email))
    return topic


def _page(alarm: cloudwatch.Alarm, topic: sns.ITopic) -> cloudwatch.Alarm:
    action = cloudwatch_actions.SnsAction(topic)
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)  # the operators hear when it is over too
    return alarm


def waf_blocks_alarm(
    scope: Construct, *, site: str, web_acl: str, threshold: int, topic: sns.ITopic
) -> cloudwatch.Alarm:
    """In the web ACL's own stack (us-east-1): the rate rule blocked more than threshold
    requests in FIVE_MINUTES. No data is no block."""
    return _page(
        cloudwatch.Alarm(
            scope,
            "RateRuleBlocksAlarm",
            alarm_name=f"kmzb-{site}-waf-rate-blocks",
            alarm_description=(
                f"KMZB {site}: WAF's rate rule blocked more than {threshold} report POSTs in "
                f"5 minutes ({RUNBOOK}, 'WAF rate-rule blocks')"
            ),
            metric=waf_blocks(web_acl),
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        topic,
    )


class Monitoring(Construct):
    """The garrison's dashboard and alarms (see the module's docstring).

    functions: the Chalice functions' logical names (APIHandler, ...) to their function names
    (tokens are fine); api_name/api_stage: the REST API's name and stage (AWS/ApiGateway's
    dimensions); dead_letter_queues: a title to each queue whose depth pages; web_acl: the
    name of the distribution's web ACL (its blocks graphed from us-east-1), if any.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        garrison: str,
        topic: sns.ITopic,
        functions: Mapping[str, str],
        api_name: str,
        api_stage: str,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        web_acl: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Like infra.constructs.Part: invisible in logical ids (the alarms keep theirs).
        transparent = getattr(cdk.Stack.of(self), "transparent_paths", None)
        if isinstance(transparent, set):
            transparent.add(self.node.path)
        self.garrison = garrison
        self.topic = topic
        self.functions = dict(functions)
        self.api_dimensions = {"ApiName": api_name, "Stage": api_stage}
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._alarms(dead_letter_queues)
        self.dashboard = self._dashboard(dead_letter_queues, web_acl)

    # Alarms -----------------------------------------------------------------------------------

    def _alarm(
        self,
        logical_id: str,
        what: str,
        runbook: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            logical_id,
            alarm_name=f"kmzb-{self.garrison}-{_kebab(logical_id.removesuffix('Alarm'))}",
            alarm_description=f"KMZB {self.garrison}: {what} ({RUNBOOK}, '{runbook}')",
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        self.alarms[logical_id] = _page(alarm, self.topic)

    def _alarms(self, dead_letter_queues: Mapping[str, sqs.IQueue]) -> None:
        g = self.garrison
        # Any notification dead-lettered in 5 minutes: the runtime's count (the METRICS
        # contract; SNS, which dead-letters, tells no function, so it may stay empty) plus the
        # messages that arrived in the notifications' dead-letter queue (SNS's redrive).
        arrived = [
            q.metric_number_of_messages_sent(period=FIVE_MINUTES, statistic="Sum")
            for title, q in dead_letter_queues.items()
            if title == NOTIFICATION_DEAD_LETTERS
        ]
        self._alarm(
            "NotificationsDeadLetteredAlarm",
            "a notification to officers was dead-lettered",
            "Dead-lettered notifications",
            cloudwatch.MathExpression(
                expression="FILL(lettered, 0) + FILL(arrived, 0)" if arrived else "lettered",
                using_metrics={
                    "lettered": business_metric(g, "NotificationsDeadLettered"),
                    **({"arrived": arrived[0]} if arrived else {}),
                },
                label="dead-lettered notifications",
                period=FIVE_MINUTES,
            ),
            threshold=1,
        )
        for title, queue in dead_letter_queues.items():
            # Messages stay up to 14 days: the alarm stays on until someone empties the queue.
            self._alarm(
                f"{title}Alarm",
                f"messages in the dead-letter queue {title}",
                "Dead-lettered notifications"
                if title == NOTIFICATION_DEAD_LETTERS
                else "Reports the stream gave up on",
                queue.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"
                ),
                threshold=1,
            )
        # The feed lags more than 10 minutes behind the newest change. Minutes without a
        # FeedAge are no evidence either way here; FeedNotRefreshed pages for them.
        self._alarm(
            "FeedAgeAlarm",
            f"the public feed lags more than {FEED_AGE_LIMIT_SECONDS} s behind the reports",
            "Feed too old",
            business_metric(g, "FeedAge", "Maximum").with_(period=cdk.Duration.minutes(1)),
            threshold=FEED_AGE_LIMIT_SECONDS,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        # refresh_feeds emits FeedAge every minute, 0 when the feed is current: 10 minutes
        # with no FeedAge at all mean nothing rebuilds the feed, so it is (or is about to be)
        # older than 10 minutes and nobody can tell by how much. Missing data is breaching.
        self._alarm(
            "FeedNotRefreshedAlarm",
            f"no feed refresh reported its age for {FEED_SILENCE.to_minutes()} minutes",
            "Feed too old",
            business_metric(g, "FeedAge", "SampleCount").with_(period=FEED_SILENCE),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )
        # 5xx in percent of the requests; no requests is no error (missing: not breaching).
        self._alarm(
            "Api5xxRateAlarm",
            f"more than {API_5XX_PERCENT}% of the API's answers in 5 minutes were 5xx",
            "API 5xx",
            cloudwatch.MathExpression(
                expression="IF(requests > 0, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": self._api("5XXError"),
                    "requests": self._api("Count"),
                },
                label="5xx (%)",
                period=FIVE_MINUTES,
            ),
            threshold=API_5XX_PERCENT,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        for function, name in self.functions.items():
            self._alarm(
                f"{function}ThrottlesAlarm",
                f"{function} was throttled",
                "Function throttled",
                self._lambda("Throttles", name),
                threshold=1,
            )
            self._alarm(
                f"{function}ErrorsAlarm",
                f"{function} failed",
                "Function errors",
                self._lambda("Errors", name),
                threshold=1,
            )

    def _api(self, metric: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=metric,
            dimensions_map=self.api_dimensions,
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    @staticmethod
    def _lambda(metric: str, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=metric,
            dimensions_map={"FunctionName": name},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    # Dashboard --------------------------------------------------------------------------------

    def _dashboard(
        self, dead_letter_queues: Mapping[str, sqs.IQueue], web_acl: str | None
    ) -> cloudwatch.Dashboard:
        g = self.garrison

        def graph(title: str, metrics: Sequence[cloudwatch.IMetric], **kwargs: Any) -> Any:
            return cloudwatch.GraphWidget(
                title=title, left=list(metrics), width=8, height=6, **kwargs
            )

        def named(metrics: Sequence[str]) -> list[cloudwatch.Metric]:
            return [business_metric(g, m).with_(label=m) for m in metrics]

        per_function = {
            kind: [
                self._lambda(kind, name, statistic).with_(label=function)
                for function, name in self.functions.items()
            ]
            for kind, statistic in (("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "p95"))
        }
        alarms = [
            cloudwatch.AlarmStatusWidget(
                title="Alarms (runbooks: docs/OPERATIONS.md)",
                alarms=list(self.alarms.values()),
                width=24,
                height=4,
            )
        ]
        rows: list[list[cloudwatch.IWidget]] = [
            [
                graph("Reports: accepted and refused by reason", named(REPORT_METRICS)),
                graph("Notifications to officers", named(NOTIFICATION_METRICS)),
                graph("Officers: status changes, refused attachments", named(OFFICER_METRICS)),
            ],
            [
                graph(
                    "Feed age (s, max)",
                    [business_metric(g, "FeedAge", "Maximum").with_(label="FeedAge")],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(value=FEED_AGE_LIMIT_SECONDS, label="alarm")
                    ],
                ),
                graph(
                    "Feed builds and their duration (ms, p95)",
                    [business_metric(g, "FeedBuilds").with_(label="FeedBuilds")],
                    right=[
                        business_metric(g, "FeedBuildDuration", "p95").with_(
                            label="FeedBuildDuration"
                        )
                    ],
                ),
                graph(
                    "Dead-letter queues (messages)",
                    [
                        q.metric_approximate_number_of_messages_visible(
                            period=FIVE_MINUTES, statistic="Maximum", label=title
                        )
                        for title, q in dead_letter_queues.items()
                    ],
                ),
            ],
            [
                graph("Functions: errors", per_function["Errors"]),
                graph("Functions: throttles", per_function["Throttles"]),
                graph("Functions: duration (ms, p95)", per_function["Duration"]),
            ],
            [
                graph(
                    "API: requests and 5xx",
                    [self._api("Count").with_(label="requests")],
                    right=[
                        self._api("5XXError").with_(label="5xx"),
                        self._api("4XXError").with_(label="4xx"),
                    ],
                ),
                graph("API: latency (ms, p95)", [self._api("Latency", "p95").with_(label="p95")]),
                graph(
                    "WAF: report POSTs blocked by the rate rule (us-east-1)",
                    [waf_blocks(web_acl, WAF_REGION).with_(label=RATE_RULE)] if web_acl else [],
                ),
            ],
        ]
        return cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"kmzb-{g}",
            default_interval=cdk.Duration.hours(6),
            widgets=[alarms, *rows],
        )


def _kebab(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("-")
        out.append(ch.lower())
    return "".join(out)
