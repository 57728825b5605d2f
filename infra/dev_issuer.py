"""The local development issuer: a key pair and JWKS of its own, tokens shaped like Cognito's.

The API verifies these tokens with the very code that verifies Cognito's: only
the issuer, audience and JWKS address differ (KMZB_JWT_* settings).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

ISSUER = "http://127.0.0.1/kmzb-development-issuer"
AUDIENCE = "kmzb-local-officer-panel"


def key_dir(state: Path) -> Path:
    return state / "dev-issuer"


def jwks_url(state: Path) -> str:
    return (key_dir(state) / "jwks.json").resolve().as_uri()


def ensure_keys(state: Path) -> None:
    """Make the issuer's RSA key pair and publish its JWKS, once.

    Several processes may ask at once (pytest's workers, a test beside `make run`): each makes
    its pair in a folder of its own and renames it into place; the first rename wins and the
    others discard theirs, so nobody reads half a key or signs with a key the JWKS lacks."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = key_dir(state)
    if (folder / "private.pem").exists():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path = fresh / "private.pem"
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid=uuid.uuid4().hex[:16], alg="RS256", use="sig")
    (fresh / "jwks.json").write_text(json.dumps({"keys": [public]}), "utf-8")
    fresh.chmod(0o755)
    try:
        os.rename(fresh, folder)  # atomic; onto an empty folder too (an older layout's)
    except OSError:  # another process's pair is in place: use that one
        shutil.rmtree(fresh, ignore_errors=True)


def issue(
    state: Path,
    role: str,
    garrison: str,
    unit: str = "",
    name: str = "",
    sub: str | None = None,
    lifetime_s: int = 12 * 3600,
) -> str:
    """A signed ID token as Cognito would issue it to a member of the role's group."""
    import jwt

    ensure_keys(state)
    folder = key_dir(state)
    kid = json.loads((folder / "jwks.json").read_text("utf-8"))["keys"][0]["kid"]
    now = int(time.time())
    claims = {
        "sub": sub or str(uuid.uuid5(uuid.NAMESPACE_URL, f"kmzb-dev/{role}/{unit}/{name}")),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "token_use": "id",
        "iat": now,
        "exp": now + lifetime_s,
        "cognito:groups": [role],
        "custom:garrison": garrison,
        "name": name or f"{role} {unit}".strip(),
    }
    if unit:
        claims["custom:unit"] = unit
    private = (folder / "private.pem").read_bytes()
    return str(jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid}))


def environment(state: Path) -> dict[str, str]:
    """Settings that make the API trust this issuer."""
    return {
        "KMZB_JWT_ISSUER": ISSUER,
        "KMZB_JWT_AUDIENCE": AUDIENCE,
        "KMZB_JWKS_URL": jwks_url(state),
    }
