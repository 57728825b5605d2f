"""The local issuer's key pair, made by several processes at once (pytest's workers, a test
beside `make run`): every token any of them signs verifies against the one published JWKS."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import jwt

from infra import dev_issuer


def _issue_after(barrier: object, state: str) -> str:
    barrier.wait()  # type: ignore[attr-defined]
    dev_issuer.ensure_keys(Path(state))
    return dev_issuer.issue(Path(state), "officer", "malopolskie", "1261")


def test_keys_made_at_once_by_many_processes_are_one_pair(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    processes = 6
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            tokens = pool.starmap(_issue_after, [(barrier, str(tmp_path))] * processes)
    folder = dev_issuer.key_dir(tmp_path)
    (key,) = json.loads((folder / "jwks.json").read_text("utf-8"))["keys"]
    public: Any = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
    for token in tokens:
        assert jwt.get_unverified_header(token)["kid"] == key["kid"]
        claims = jwt.decode(
            token,
            public,
            algorithms=["RS256"],
            audience=dev_issuer.AUDIENCE,
        )
        assert claims["iss"] == dev_issuer.ISSUER
    # Nothing half-made is left beside the pair.
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]
    assert (folder / "private.pem").stat().st_mode & 0o777 == 0o600


def test_an_existing_pair_is_kept(tmp_path: Path) -> None:
    dev_issuer.ensure_keys(tmp_path)
    jwks = (dev_issuer.key_dir(tmp_path) / "jwks.json").read_bytes()
    dev_issuer.ensure_keys(tmp_path)
    assert (dev_issuer.key_dir(tmp_path) / "jwks.json").read_bytes() == jwks
