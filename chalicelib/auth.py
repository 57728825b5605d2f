"""Officer identity: verifying the JWT and deciding what its holder may see.

The same verification runs in AWS (tokens of the garrison's Cognito user pool)
and locally (tokens of the development issuer, `kmzb-admin dev-token`): an RS256
signature checked against the issuer's JWKS, the issuer, the audience (the app
client), expiry, `token_use`, and the unit and garrison claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib import workflow
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.plaintext import is_blank

if TYPE_CHECKING:
    from chalicelib.reports import Report
    from chalicelib.units import Router, Unit

ROLES = ("admin", "coordinator", "officer")  # strongest first
UNIT_CLAIM = "custom:unit"
GARRISON_CLAIM = "custom:garrison"
GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Identity:
    sub: str
    name: str
    role: str
    unit_teryt: str  # "" for an admin, whose scope is the garrison
    garrison: str

    def as_context(self) -> dict[str, str]:
        """Flat strings, as API Gateway passes an authorizer's context to the view."""
        return {
            "verified": "true",
            "sub": self.sub,
            "name": self.name,
            "role": self.role,
            "unit": self.unit_teryt,
            "garrison": self.garrison,
        }

    @classmethod
    def from_context(cls, context: dict[str, Any] | None) -> Identity:
        """The identity the authorizer verified, or a 401."""
        if not context or context.get("verified") != "true":
            reason = (context or {}).get("reason", "")
            raise unauthorized(reason)
        return cls(
            sub=str(context["sub"]),
            name=str(context.get("name", "")),
            role=str(context["role"]),
            unit_teryt=str(context.get("unit", "")),
            garrison=str(context["garrison"]),
        )


class InvalidToken(Exception):
    pass


def unauthorized(reason: str = "") -> Unauthorized:
    return Unauthorized(reason)


def forbidden() -> Forbidden:
    return Forbidden()


@dataclass(frozen=True)
class Scope:
    """What a verified identity may see here: its own unit (officers, coordinators) or every
    unit of its garrison (admins), with the unit and garrison claims checked against the
    deployment's units (`authorize`)."""

    identity: Identity
    own_unit: Unit | None  # None for an admin
    units: tuple[Unit, ...]  # the units the caller may view, the own one for non-admins

    @property
    def role(self) -> str:
        return self.identity.role

    def may_view(self, report: Report) -> bool:
        if self.own_unit is None:  # an admin: the whole garrison, whatever units are now
            return report.garrison == self.identity.garrison
        return report.unit_id == self.own_unit.id


def authorize(identity: Identity, router: Router, action: str) -> Scope:
    """The one check every officer route makes: the claims must agree with this deployment
    (a served garrison; a unit of that garrison for officers and coordinators), and the role
    matrix (`workflow.ROLE_ACTIONS`) must allow `action`. 403 otherwise."""
    garrison = identity.garrison
    if garrison not in router.garrisons:
        raise Forbidden("unknown_garrison", garrison=garrison)
    if garrison not in router.served:
        raise Forbidden("other_deployment", garrison=garrison)
    if identity.role == "admin":
        units = tuple(u for u in router.units if u.garrison == garrison)
        scope = Scope(identity, None, units)
    else:
        unit = router.unit_by_reference(identity.unit_teryt) if identity.unit_teryt else None
        if unit is None:
            raise Forbidden("unknown_unit", unit=identity.unit_teryt)
        if unit.garrison != garrison:
            raise Forbidden("unit_outside_garrison", unit=unit.name, garrison=garrison)
        scope = Scope(identity, unit, (unit,))
    workflow.require(identity.role, action)
    return scope


def role_from_groups(groups: Any) -> str | None:
    """The one police role among the token's groups; None when there is none.

    Raises InvalidToken when the groups name more than one role (`["officer", "admin"]`):
    which one the holder acts in would be a guess."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return None
    roles = [role for role in ROLES if role in groups]
    if len(roles) > 1:
        raise InvalidToken("more than one police role group: " + ", ".join(roles))
    return roles[0] if roles else None


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """What a verified token says about its holder; missing claims make it invalid.

    The audit names the holder by `sub`, so it must be a string with something visible in
    it (`""` or `"\u200b"` would anonymise every change); `name` (else `email`, else
    `cognito:username`), when present, must be a string. Exactly one police role group.
    Raises InvalidToken otherwise."""
    if claims.get("token_use") != "id":
        raise InvalidToken("not an ID token")
    sub = claims.get("sub")
    if not isinstance(sub, str) or is_blank(sub):
        raise InvalidToken("the sub claim is not a non-blank string")
    for claim in ("name", "email", "cognito:username"):
        if claim in claims and not isinstance(claims[claim], str):
            raise InvalidToken(f"the {claim} claim is not a string")
    role = role_from_groups(claims.get(GROUPS_CLAIM))
    if role is None:
        raise InvalidToken("no officer, coordinator or admin group")
    garrison = claims.get(GARRISON_CLAIM)
    unit = claims.get(UNIT_CLAIM, "")
    if not isinstance(garrison, str) or not garrison:
        raise InvalidToken("no garrison claim")
    if role != "admin" and (not isinstance(unit, str) or not unit):
        raise InvalidToken("no unit claim")
    name = claims.get("name") or claims.get("email") or claims.get("cognito:username") or ""
    return Identity(sub, name, role, str(unit or ""), garrison)


class TokenVerifier:
    """Verifies tokens of one issuer against its JWKS, fetched once and again for a new key.

    The JWKS address is https for Cognito; locally a file:// or http:// one of the
    development issuer.
    """

    REFRESH_AFTER_S = 3600

    def __init__(self, issuer: str, audience: str, jwks_url: str) -> None:
        if not jwks_url.startswith(("https://", "http://", "file://")):
            raise ValueError(f"unsupported JWKS address {jwks_url!r}")
        self.issuer = issuer
        self.audience = audience
        self._jwks_url = jwks_url
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0

    def _fetch(self) -> None:
        import json
        import time
        import urllib.request

        import jwt

        with urllib.request.urlopen(self._jwks_url, timeout=5) as response:
            document = json.loads(response.read())
        keys = jwt.PyJWKSet.from_dict(document).keys
        self._keys = {k.key_id: k for k in keys if k.key_id}
        self._fetched_at = time.monotonic()

    def _key(self, kid: str) -> Any:
        import time

        stale = time.monotonic() - self._fetched_at > self.REFRESH_AFTER_S
        # A kid we do not know may be a rotated key: fetch again, at most once a minute.
        unknown = kid not in self._keys and time.monotonic() - self._fetched_at > 60
        if stale or unknown:
            try:
                self._fetch()
            except (OSError, ValueError) as e:
                raise InvalidToken(f"issuer keys unavailable: {e}") from None
        if kid not in self._keys:
            raise InvalidToken("unknown signing key")
        return self._keys[kid].key

    def verify(self, token: str) -> Identity:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise InvalidToken("signature algorithm must be RS256")
            claims = jwt.decode(
                token,
                self._key(str(header.get("kid", ""))),
                algorithms=["RS256"],  # never "none", never a symmetric key
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as e:
            raise InvalidToken(str(e)) from None
        return identity_from_claims(claims)


def bearer_token(header: str | None) -> str:
    if not header:
        return ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else header.strip()
