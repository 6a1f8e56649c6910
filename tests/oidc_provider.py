"""A real OpenID Connect provider on loopback (``oidc-provider-mock``) for tests.

It runs as its own process (``python -m oidc_provider_mock``), so the suite's
warnings-as-errors do not reach into a tool that still uses deprecated authlib
modules, and it is stopped afterwards whatever happens.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.server import free_port


@dataclass(frozen=True, slots=True)
class Provider:
    issuer: str
    client_id: str = "wijknet-test"
    client_secret: str = "wijknet-test-secret"

    def env(self) -> dict[str, str]:
        return {
            "WIJKNET_OIDC_ISSUER": self.issuer,
            "WIJKNET_OIDC_CLIENT_ID": self.client_id,
            "WIJKNET_OIDC_CLIENT_SECRET": self.client_secret,
        }

    def set_user(self, sub: str, **claims: object) -> None:
        """Define the claims the provider issues for ``sub`` (its test API)."""
        r = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        r.raise_for_status()


@contextmanager
def oidc_provider(log_dir: Path, timeout: float = 60.0) -> Iterator[Provider]:
    """Run the provider on a free loopback port until the block ends."""
    port = free_port()
    log = log_dir / f"oidc-provider-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--require-nonce",
                "true",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited:\n{log.read_text()}")
            try:
                url = f"{provider.issuer}/.well-known/openid-configuration"
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield provider
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
