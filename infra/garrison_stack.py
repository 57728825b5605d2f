"""One garrison's deployment: one CloudFormation stack, its id the garrison's slug.

The Chalice app (API, authorizer, stream handler, schedules) comes from
`.chalice/config.json`'s stage of the same name through Chalice's CDK construct
(the construct takes the stage name from the stack's id); everything around it
is defined here. Names of resources the functions' IAM policy refers to come from
`infra.stages.names`, so the hand-written policy and the stack cannot drift.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as sns_subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from chalicelib.deployment import ORIGIN_HEADER
from chalicelib.units import Unit
from infra import stages
from infra.engines import PROJECT_ROOT
from infra.protection import (
    API_ACCESS_LOG_FORMAT,
    Protection,
    ReservedConcurrency,
    log_bucket,
    skip_deployment_helper_policy,
)
from infra.site_distribution import (
    STATIC_SITE,
    private_bucket,
    security_headers_policy,
    site_distribution,
)
from infra.site_server import PASSED_HEADERS

# The stream trigger: partial batch failures, bounded retries, bisection, a dead-letter queue.
STREAM_RETRIES = 10
STREAM_MAX_RECORD_AGE_SECONDS = 86400
DEAD_LETTER_RETENTION = cdk.Duration.days(14)
CHALICE_FUNCTIONS = (
    "APIHandler",
    "OfficerToken",
    "OnReportChange",
    "RefreshFeeds",
    "RemindOverdue",
)
# Functions whose messages link to the officer panel (the API must not: the distribution
# in front of the API would depend on it).
LINKING_FUNCTIONS = ("OnReportChange", "RemindOverdue")

# Answers API Gateway gives itself (no Authorization header, unknown route, throttling)
# in the API's error format: {"error": {"code", "message" (Polish), "message_en"}}.
# An unknown route is API Gateway's "missing authentication token" (403): a 404 here.
GATEWAY_MESSAGES = {
    "DEFAULT_4XX": (None, "request_rejected", "Żądanie odrzucone.", "The request was rejected."),
    "DEFAULT_5XX": (None, "service_unavailable", "Usługa chwilowo niedostępna.", "Unavailable."),
    "UNAUTHORIZED": (None, "unauthorized", "Wymagane zalogowanie.", "Sign-in required."),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found", "Nie ma takiego zasobu.", "Not found."),
    "THROTTLED": (None, "throttled", "Zbyt wiele żądań, spróbuj później.", "Too many requests."),
}


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


def table_properties(model: Any) -> dict[str, Any]:
    """CfnTable properties for a pynamodb model: keys and indexes exactly as the code uses them."""
    schema = model._get_schema()

    def keys(key_schema: list[dict[str, str]]) -> list[Any]:
        return [
            dynamodb.CfnTable.KeySchemaProperty(
                attribute_name=k["AttributeName"], key_type=k["KeyType"]
            )
            for k in sorted(key_schema, key=lambda k: k["KeyType"])  # HASH before RANGE
        ]

    properties: dict[str, Any] = {
        "table_name": model.Meta.table_name,
        "billing_mode": "PAY_PER_REQUEST",
        "key_schema": keys(schema["key_schema"]),
        "attribute_definitions": [
            dynamodb.CfnTable.AttributeDefinitionProperty(
                attribute_name=a["AttributeName"], attribute_type=a["AttributeType"]
            )
            for a in schema["attribute_definitions"]
        ],
        "point_in_time_recovery_specification": (
            dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True
            )
        ),
        "sse_specification": dynamodb.CfnTable.SSESpecificationProperty(
            sse_enabled=True, sse_type="KMS"
        ),
    }
    indexes = schema.get("global_secondary_indexes") or []
    if indexes:
        properties["global_secondary_indexes"] = [
            dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                index_name=index["index_name"],
                key_schema=keys(index["key_schema"]),
                projection=dynamodb.CfnTable.ProjectionProperty(
                    projection_type=index["projection"]["ProjectionType"]
                ),
            )
            for index in indexes
        ]
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        properties["stream_specification"] = dynamodb.CfnTable.StreamSpecificationProperty(
            stream_view_type=stream
        )
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["time_to_live_specification"] = (
            dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name=ttl.attr_name, enabled=True
            )
        )
    return properties


def _chalice_app(scope: Construct, environment: dict[str, str]) -> Any:
    from chalice.cdk import Chalice

    # Chalice imports app.py to package it, and Python would hand the next stack the
    # module (and the stream ARN) imported for the previous one.
    sys.modules.pop("app", None)
    return Chalice(
        scope,
        "Api",
        source_dir=str(PROJECT_ROOT),
        stage_config={"environment_variables": environment},
    )


class GarrisonStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        garrison: str,
        *,
        units: list[Unit],
        headquarters: str,
        options: GarrisonOptions,
        env: cdk.Environment,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            garrison,  # Chalice's construct takes the stage name from the stack's id
            stack_name=f"kmzb-{garrison}",
            env=env,
            # The web ACL lives in us-east-1 (infra/protection.EdgeStack).
            cross_region_references=web_acl_arn is not None,
            synthesizer=ReservedConcurrency(options.protection.concurrency),
            description=f"KMZB: {headquarters} ({garrison})",
        )
        self.garrison = garrison
        self.names = stages.names(garrison)
        self.units = units
        self.options = options
        self.web_acl_arn = web_acl_arn
        cdk.Tags.of(self).add("kmzb:garrison", garrison)

        self.tables = self._tables()
        self.secret = self._generated_secret(
            "ClientKeySecret",
            self.names["secret"],
            "HMAC key of client addresses (daily limits, tracking tokens).",
            length=64,
        )
        self.secret.apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # rotating it voids links
        # CloudFront sends it to the API: requests without it went around CloudFront, and
        # their X-Forwarded-For (which decides the daily limit's client) is not believed.
        self.origin_secret = self._generated_secret(
            "OriginSecret",
            self.names["origin_secret"],
            "Sent by CloudFront to the API: the request came through CloudFront.",
            length=48,
        )
        self.admin_topic = self._admin_topic()
        self.unit_topics, self.notification_dead_letters = self._unit_topics()
        self.stream_dead_letters = self._dead_letter_queue(
            "ReportsStreamDeadLetters", self.names["stream_dead_letters"]
        )
        self.log_bucket = log_bucket(self, garrison)
        self.bucket = self._bucket()
        self.user_pool, self.hosted_ui = self._user_pool()
        self.app = _chalice_app(self, self._function_environment())
        self._stream_trigger()
        self._log_groups()
        self._gateway_responses()
        self._api_stage()
        self.distribution = self._distribution()
        self.site_url = (
            f"https://{options.domain_name}"
            if options.domain_name
            else f"https://{self.distribution.distribution_domain_name}"
        )
        self.panel_url = f"{self.site_url}/officer/"
        for function in LINKING_FUNCTIONS:
            self.app.add_environment_variable("KMZB_PANEL_URL", self.panel_url, function)
        self.panel_client = self._panel_client()
        self._site()
        self._alarms()
        self._outputs()

    # Data -------------------------------------------------------------------------------------

    def _generated_secret(
        self, logical_id: str, name: str, description: str, length: int
    ) -> secretsmanager.Secret:
        return secretsmanager.Secret(
            self,
            logical_id,
            secret_name=name,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=length, exclude_punctuation=True
            ),
        )

    def _tables(self) -> dict[str, dynamodb.CfnTable]:
        from chalicelib.deployment import Settings
        from chalicelib.storage import build_models

        n = self.names
        settings = Settings.from_env(
            {
                "KMZB_CLIENT_KEY_SECRET_NAME": n["secret"],
                "KMZB_REPORTS_TABLE": n["reports_table"],
                "KMZB_LIMITS_TABLE": n["limits_table"],
                "KMZB_IDEMPOTENCY_TABLE": n["idempotency_table"],
                "KMZB_AUDIT_TABLE": n["audit_table"],
            }
        )
        report, limit, idempotency, audit, *_ = build_models(settings)
        tables = {}
        for logical_id, model, protected in (
            ("ReportsTable", report, True),
            ("LimitsTable", limit, False),
            ("IdempotencyTable", idempotency, False),
            ("AuditTable", audit, True),
        ):
            table = dynamodb.CfnTable(
                self,
                logical_id,
                deletion_protection_enabled=protected,
                **table_properties(model),
            )
            # Reports and their audit trail outlive the stack; the rest expire anyway.
            table.apply_removal_policy(
                cdk.RemovalPolicy.RETAIN if protected else cdk.RemovalPolicy.DESTROY
            )
            tables[logical_id] = table
        return tables

    # Notifications ----------------------------------------------------------------------------

    def _admin_topic(self) -> sns.Topic:
        # CloudWatch alarms can publish to an encrypted topic only with a key that lets it.
        key = kms.Key(
            self,
            "AdminTopicKey",
            description=f"KMZB {self.garrison}: the admins' alarm topic",
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
            self,
            "AdminTopic",
            topic_name=self.names["admin_topic"],
            display_name="KMZB alarmy",
            master_key=key,
            enforce_ssl=True,
        )
        for email in self.options.admin_emails:
            topic.add_subscription(sns_subscriptions.EmailSubscription(email))
        return topic

    def _dead_letter_queue(self, logical_id: str, name: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            logical_id,
            queue_name=name,
            retention_period=DEAD_LETTER_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )

    def _unit_topics(self) -> tuple[dict[str, sns.Topic], sqs.Queue]:
        managed_key = kms.Alias.from_alias_name(self, "SnsManagedKey", "alias/aws/sns")
        dead_letters = self._dead_letter_queue(
            "NotificationDeadLetters", self.names["notification_dead_letters"]
        )
        topics = {}
        for unit in self.units:
            topic = sns.Topic(
                self,
                f"UnitTopic{unit.id.replace('-', '').replace('_', '')}",
                topic_name=self.names["topic_prefix"] + unit.id,
                display_name="KMZB",  # the SMS sender name where the country allows one
                master_key=managed_key,
                enforce_ssl=True,
            )
            topics[unit.id] = topic
        # Officers' subscriptions (kmzb-admin subscribe) redrive undeliverable messages here.
        dead_letters.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[dead_letters.queue_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": self.format_arn(
                            service="sns", resource=self.names["topic_prefix"] + "*"
                        )
                    }
                },
            )
        )
        return topics, dead_letters

    # Site and feed ----------------------------------------------------------------------------

    def _bucket(self) -> s3.Bucket:
        bucket = private_bucket(
            self,
            bucket_name=f"{self.names['bucket_prefix']}{self.account}-{self.region}",
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3-access/site/",
            lifecycle_rules=[
                # Every feed build writes new immutable files; old ones are kept a while.
                s3.LifecycleRule(
                    prefix="feeds/",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                ),
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
        national = self.options.national_distribution_arn
        if national:
            bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="NationalMapReadsTheFeed",
                    principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                    actions=["s3:GetObject"],
                    resources=[bucket.arn_for_objects(f"feeds/{self.garrison}/*")],
                    conditions={"StringEquals": {"AWS:SourceArn": national}},
                )
            )
        return bucket

    def _distribution(self) -> cloudfront.Distribution:
        rest_api = self.app.sam_template.get_resource("RestAPI")
        api_domain = cdk.Fn.sub(
            "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}", {"Api": rest_api.ref}
        )
        headers = security_headers_policy(
            self, connect_src=[self.hosted_ui.base_url()], img_src=_tile_hosts(self.options.tiles)
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
                *(h.title() for h in PASSED_HEADERS if h != "authorization")
            ),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        return site_distribution(
            self,
            bucket=self.bucket,
            headers=headers,
            comment=f"KMZB {self.garrison}",
            domain_name=self.options.domain_name,
            certificate_arn=self.options.certificate_arn,
            web_acl_arn=self.web_acl_arn,
            additional_behaviors={
                "/v1/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(
                        api_domain,
                        origin_path="/api",
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        custom_headers={
                            ORIGIN_HEADER: self.origin_secret.secret_value.unsafe_unwrap()
                        },
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=api_cache,
                    origin_request_policy=api_requests,
                    response_headers_policy=headers,
                    compress=True,
                ),
            },
        )

    def _site(self) -> None:
        config = {
            "garrison": self.garrison,
            "cognito": {
                "domain": self.hosted_ui.base_url(),
                "client_id": self.panel_client.user_pool_client_id,
            },
            **self.options.tiles,
        }
        deployment = s3_deployment.BucketDeployment(
            self,
            "SiteFiles",
            sources=[
                s3_deployment.Source.asset(str(STATIC_SITE), exclude=["config.json"]),
                s3_deployment.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            exclude=["feeds/*"],  # the feed writer's: never pruned by a site update
            prune=True,
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json", "/officer/*", "/*.js", "/*.css"],
            memory_limit=512,
        )
        skip_deployment_helper_policy(deployment)

    # Officers ---------------------------------------------------------------------------------

    def _user_pool(self) -> tuple[cognito.UserPool, cognito.UserPoolDomain]:
        pool = cognito.UserPool(
            self,
            "Officers",
            user_pool_name=f"kmzb-{self.garrison}-officers",
            self_sign_up_enabled=False,  # admins create officers' accounts
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                "unit": cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
                "garrison": cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
            },
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=False,
                temp_password_validity=cdk.Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for role, description in (
            ("officer", "Funkcjonariusz: weryfikuje zgłoszenia swojej jednostki"),
            ("coordinator", "Koordynator: przydziela zgłoszenia, dostaje przypomnienia"),
            ("admin", "Administrator garnizonu"),
        ):
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.title()}",
                user_pool_id=pool.user_pool_id,
                group_name=role,
                description=description,
            )
        prefix = self.options.cognito_domain_prefix or f"kmzb-{self.garrison}-{self.account}"
        domain = pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )
        return pool, domain

    def _panel_client(self) -> cognito.UserPoolClient:
        # Officers may not change their own unit or garrison: those attributes are read-only.
        writable = cognito.ClientAttributes().with_standard_attributes(fullname=True)
        readable = (
            cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes("unit", "garrison")
        )
        client = self.user_pool.add_client(
            "Panel",
            user_pool_client_name="officer-panel",
            generate_secret=False,  # a browser app: authorization code with PKCE
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=[self.panel_url],
                logout_urls=[self.panel_url],
            ),
            read_attributes=readable,
            write_attributes=writable,
            prevent_user_existence_errors=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.hours(12),
        )
        ssm.StringParameter(
            self,
            "PanelClientId",
            parameter_name=self.names["panel_client_parameter"],
            string_value=client.user_pool_client_id,
            description="The officer panel's app client: the audience of officers' tokens",
        )
        return client

    # The Chalice app --------------------------------------------------------------------------

    def _function_environment(self) -> dict[str, str]:
        """What only the stack knows, on top of the stage's environment in config.json."""
        region, partition = cdk.Aws.REGION, cdk.Aws.PARTITION
        return {
            **stages.environment(self.garrison),
            "KMZB_REPORTS_STREAM_ARN": self.tables["ReportsTable"].attr_stream_arn,
            "KMZB_TOPIC_ARN_PREFIX": (
                f"arn:{partition}:sns:{region}:{cdk.Aws.ACCOUNT_ID}:{self.names['topic_prefix']}"
            ),
            "KMZB_SITE_BUCKET": self.bucket.bucket_name,
            "KMZB_JWT_ISSUER": self.user_pool.user_pool_provider_url,
        }

    def _stream_trigger(self) -> None:
        """What Chalice leaves out of the stream trigger, through the escape hatch."""
        handler = self.app.get_resource("OnReportChange")
        base = "Events.OnReportChangeDynamodbEventSource.Properties."
        for name, value in {
            "StartingPosition": "TRIM_HORIZON",
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumRetryAttempts": STREAM_RETRIES,
            "BisectBatchOnFunctionError": True,
            "MaximumRecordAgeInSeconds": STREAM_MAX_RECORD_AGE_SECONDS,
            "DestinationConfig": {
                "OnFailure": {"Type": "SQS", "Destination": self.stream_dead_letters.queue_arn}
            },
        }.items():
            handler.add_property_override(base + name, value)

    def _log_groups(self) -> None:
        for function in CHALICE_FUNCTIONS:
            logs.CfnLogGroup(
                self,
                f"{function}Logs",
                log_group_name=cdk.Fn.sub(
                    "/aws/lambda/${Function}", {"Function": self.app.get_resource(function).ref}
                ),
                retention_in_days=stages.LOG_RETENTION_DAYS,
            )

    def _gateway_responses(self) -> None:
        responses = {}
        for kind, (status, code, polish, english) in GATEWAY_MESSAGES.items():
            body = {"error": {"code": code, "message": polish, "message_en": english}}
            responses[kind] = {
                "ResponseTemplates": {"application/json": json.dumps(body, ensure_ascii=False)},
                "ResponseParameters": {
                    "Headers": {"Cache-Control": "'no-store'", "Content-Type": "'application/json'"}
                },
                **({"StatusCode": status} if status else {}),
            }
        api = self.app.get_resource("RestAPI")
        api.add_property_override("Name", f"kmzb-{self.garrison}")
        api.add_property_override("GatewayResponses", responses)
        api.add_property_override("TracingEnabled", True)

    def _api_stage(self) -> None:
        """Stage throttling to match APIHandler's reserved concurrency, and access logs
        without client addresses (infra/protection.API_ACCESS_LOG_FORMAT)."""
        protection = self.options.protection
        access_logs = logs.CfnLogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/kmzb-{self.garrison}-access",
            retention_in_days=stages.LOG_RETENTION_DAYS,
        )
        api = self.app.get_resource("RestAPI")
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": protection.throttle_rate,
                    "ThrottlingBurstLimit": protection.throttle_burst,
                    "MetricsEnabled": True,
                }
            ],
        )
        api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": access_logs.attr_arn, "Format": API_ACCESS_LOG_FORMAT},
        )

    # Operations -------------------------------------------------------------------------------

    def _alarms(self) -> None:
        """The dashboard and every alarm of this region (infra/monitoring.py), paging the
        admins' topic; the WAF's alarm is in the edge stack (us-east-1)."""
        from infra.monitoring import Monitoring

        Monitoring(
            self,
            "Monitoring",
            garrison=self.garrison,
            topic=self.admin_topic,
            functions={f: self.app.get_resource(f).ref for f in CHALICE_FUNCTIONS},
            api_name=f"kmzb-{self.garrison}",
            api_stage="api",
            dead_letter_queues={
                "NotificationDeadLetters": self.notification_dead_letters,
                "StreamDeadLetters": self.stream_dead_letters,
            },
            web_acl=f"kmzb-{self.garrison}" if self.web_acl_arn else None,
        )

    def _outputs(self) -> None:
        n = self.names
        for name, value, description in (
            ("SiteUrl", self.site_url, "The map"),
            ("PanelUrl", self.panel_url, "The officer panel"),
            ("DistributionDomain", self.distribution.distribution_domain_name, "CNAME target"),
            ("UserPoolId", self.user_pool.user_pool_id, "Officers' accounts"),
            ("TopicArnPrefix", self._function_environment()["KMZB_TOPIC_ARN_PREFIX"], "kmzb-admin"),
            (
                "NotificationDeadLettersArn",
                self.notification_dead_letters.queue_arn,
                "kmzb-admin subscribe: undeliverable messages",
            ),
            ("AdminTopicArn", self.admin_topic.topic_arn, "Alarms"),
            ("SiteBucketName", self.bucket.bucket_name, "Site and feed"),
            ("ReportsTableName", n["reports_table"], "Reports"),
        ):
            cdk.CfnOutput(self, name, value=value, description=description)


def _tile_hosts(tiles: dict[str, Any]) -> list[str]:
    from urllib.parse import urlsplit

    url = tiles.get("tiles")
    url = url.get("url") if isinstance(url, dict) else url
    if not isinstance(url, str):
        return []
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme == "https" else []


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
