import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from chalicelib.auth import Identity, InvalidToken, TokenVerifier, authorize
from chalicelib.errors import ApiError
from chalicelib.problems import status_of
from infra import dev_issuer


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("issuer")
    dev_issuer.ensure_keys(path)
    return path


@pytest.fixture(scope="module")
def verifier(state: Path) -> TokenVerifier:
    return TokenVerifier(dev_issuer.ISSUER, dev_issuer.AUDIENCE, dev_issuer.jwks_url(state))


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _sign(state: Path, claims: dict[str, Any], key: bytes | None = None, **headers: Any) -> str:
    kid = json.loads((state / "dev-issuer" / "jwks.json").read_text())["keys"][0]["kid"]
    private = key or (state / "dev-issuer" / "private.pem").read_bytes()
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid, **headers})


def test_a_valid_officer_token_gives_role_unit_and_garrison(
    state: Path, verifier: TokenVerifier
) -> None:
    identity = verifier.verify(dev_issuer.issue(state, "officer", "malopolskie", "1261", "Jan"))
    assert (identity.role, identity.unit_teryt, identity.garrison) == (
        "officer",
        "1261",
        "malopolskie",
    )
    assert identity.name == "Jan"


def test_an_admin_token_needs_no_unit(state: Path, verifier: TokenVerifier) -> None:
    identity = verifier.verify(dev_issuer.issue(state, "admin", "podlaskie"))
    assert (identity.role, identity.unit_teryt) == ("admin", "")


def _forged_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], secret: bytes) -> str:
    """The algorithm-confusion attack: an HMAC keyed with the issuer's public key."""
    signing_input = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def _variants(state: Path) -> dict[str, str]:
    good = _claims(dev_issuer.issue(state, "officer", "malopolskie", "1261"))
    now = int(time.time())
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(good).encode()).rstrip(b"=").decode()
    public_pem = (state / "dev-issuer" / "jwks.json").read_bytes()
    without_unit = {k: v for k, v in good.items() if k != "custom:unit"}
    return {
        "bad signature": _sign(state, good, key=_forged_key()),
        "wrong issuer": _sign(state, {**good, "iss": "https://evil.example/issuer"}),
        "expired": _sign(state, {**good, "iat": now - 7200, "exp": now - 3600}),
        "wrong audience": _sign(state, {**good, "aud": "another-app-client"}),
        "alg none": f"{header}.{payload}.",
        "HS256 with the public key": _hs256(good, public_pem),
        "missing unit claim": _sign(state, without_unit),
        "access token": _sign(state, {**good, "token_use": "access"}),
        "no police group": _sign(state, {**good, "cognito:groups": ["citizens"]}),
        "empty sub": _sign(state, {**good, "sub": ""}),
        "blank sub": _sign(state, {**good, "sub": " \t "}),
        "invisible sub": _sign(state, {**good, "sub": "\u200b"}),
        "invisible sub of several characters": _sign(state, {**good, "sub": "\u200b\u2060\ufeff"}),
        "object name": _sign(state, {**good, "name": {"first": "Jan"}}),
        "list name": _sign(state, {**good, "name": ["Jan", "Kowalski"]}),
        "number name": _sign(state, {**good, "name": 7}),
        "object email": _sign(state, {**good, "name": "", "email": {"a": 1}}),
        "officer and admin": _sign(state, {**good, "cognito:groups": ["officer", "admin"]}),
        "coordinator and officer": _sign(
            state, {**good, "cognito:groups": ["coordinator", "citizens", "officer"]}
        ),
        "no expiry": _sign(state, {k: v for k, v in good.items() if k != "exp"}),
        "garbage": "not.a.token",
        "empty": "",
    }


@pytest.mark.parametrize(
    "case",
    [
        "bad signature",
        "wrong issuer",
        "expired",
        "wrong audience",
        "alg none",
        "HS256 with the public key",
        "missing unit claim",
        "access token",
        "no police group",
        "empty sub",
        "blank sub",
        "invisible sub",
        "invisible sub of several characters",
        "object name",
        "list name",
        "number name",
        "object email",
        "officer and admin",
        "coordinator and officer",
        "no expiry",
        "garbage",
        "empty",
    ],
)
def test_a_bad_token_is_refused(state: Path, verifier: TokenVerifier, case: str) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(_variants(state)[case])


# --- the scope a verified identity has in a deployment ----------------------------------


def _identity(role: str, unit: str, garrison: str) -> Identity:
    return Identity("sub", "name", role, unit, garrison)


@pytest.mark.parametrize(
    ("role", "unit", "garrison"),
    [
        ("officer", "1261", "podlaskie"),
        ("officer", "1261", "nonexistent"),
        ("officer", "1261", ""),
        ("coordinator", "1261", "mazowieckie"),
        ("officer", "2061", "malopolskie"),
        ("officer", "kpp-2061", "malopolskie"),
        ("officer", "0000", "malopolskie"),
        ("officer", "", "malopolskie"),
        ("admin", "", "nonexistent"),
        ("admin", "", "Malopolskie"),
    ],
)
def test_claims_that_do_not_fit_the_deployment_are_refused(
    router: Any, role: str, unit: str, garrison: str
) -> None:
    with pytest.raises(ApiError) as refused:
        authorize(_identity(role, unit, garrison), router, "read")
    assert (status_of(refused.value), refused.value.code) == (403, "forbidden")


def test_the_scope_is_the_own_unit_or_the_admins_garrison(router: Any) -> None:
    officer = authorize(_identity("officer", "1261", "malopolskie"), router, "read")
    assert officer.own_unit is not None and officer.own_unit.id == "kmp-1261"
    assert officer.units == (officer.own_unit,)
    admin = authorize(_identity("admin", "", "podlaskie"), router, "read")
    assert admin.own_unit is None
    assert {u.garrison for u in admin.units} == {"podlaskie"}
    assert "kmp-2061" in {u.id for u in admin.units}


def test_a_garrison_served_elsewhere_is_refused(router: Any) -> None:
    from chalicelib.units import Router

    krakow_only = Router(
        router.index, list(router.garrisons.values()), None, frozenset({"malopolskie"})
    )
    authorize(_identity("officer", "1261", "malopolskie"), krakow_only, "read")
    for identity in (
        _identity("officer", "2061", "podlaskie"),
        _identity("admin", "", "podlaskie"),
    ):
        with pytest.raises(ApiError) as refused:
            authorize(identity, krakow_only, "read")
        assert status_of(refused.value) == 403


def test_the_role_matrix_is_applied_after_the_claims(router: Any) -> None:
    admin = _identity("admin", "", "malopolskie")
    for action in ("status", "note", "duplicate", "assign", "consultation"):
        with pytest.raises(ApiError) as refused:
            authorize(admin, router, action)
        assert refused.value.code == "role_required"
    with pytest.raises(ApiError) as refused:
        authorize(_identity("officer", "1261", "malopolskie"), router, "assign")
    assert refused.value.code == "role_required"


def test_one_police_group_among_others_and_a_string_name_are_accepted(
    state: Path, verifier: TokenVerifier
) -> None:
    good = _claims(dev_issuer.issue(state, "officer", "malopolskie", "1261"))
    token = _sign(state, {**good, "cognito:groups": ["citizens", "officer"], "name": "Jan K"})
    identity = verifier.verify(token)
    assert (identity.role, identity.name, identity.sub) == ("officer", "Jan K", good["sub"])
