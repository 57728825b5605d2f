"""Officers' identity: a Cognito user pool with role groups and unit claims, its hosted
sign-in, and the officer panel's app client (added once the site's address is known)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.constructs import Part

ROLES = {
    "officer": "Funkcjonariusz: weryfikuje zgłoszenia swojej jednostki",
    "coordinator": "Koordynator: przydziela zgłoszenia, dostaje przypomnienia",
    "admin": "Administrator garnizonu",
}


class Officers(Part):
    """`user_pool` and `hosted_ui`; `add_panel_client(panel_url)` makes `panel_client`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, garrison: str, domain_prefix: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = pool = cognito.UserPool(
            self,
            "Officers",
            user_pool_name=f"kmzb-{garrison}-officers",
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
        for role, description in ROLES.items():
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.title()}",
                user_pool_id=pool.user_pool_id,
                group_name=role,
                description=description,
            )
        prefix = domain_prefix or f"kmzb-{garrison}-{cdk.Stack.of(self).account}"
        self.hosted_ui = pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )

    @property
    def issuer(self) -> str:
        """The tokens' `iss` (the functions verify it)."""
        return self.user_pool.user_pool_provider_url

    def add_panel_client(self, panel_url: str, parameter_name: str) -> cognito.UserPoolClient:
        """The officer panel's client (authorization code with PKCE, back to `panel_url`);
        its id goes to the SSM parameter the functions read as the tokens' audience."""
        # Officers may not change their own unit or garrison: those attributes are read-only.
        writable = cognito.ClientAttributes().with_standard_attributes(fullname=True)
        readable = (
            cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes("unit", "garrison")
        )
        self.panel_client = self.user_pool.add_client(
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
                callback_urls=[panel_url],
                logout_urls=[panel_url],
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
            parameter_name=parameter_name,
            string_value=self.panel_client.user_pool_client_id,
            description="The officer panel's app client: the audience of officers' tokens",
        )
        return self.panel_client
