import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from chalicelib.auth import InvalidToken, TokenVerifier
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
        "no expiry",
        "garbage",
        "empty",
    ],
)
def test_a_bad_token_is_refused(state: Path, verifier: TokenVerifier, case: str) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(_variants(state)[case])
