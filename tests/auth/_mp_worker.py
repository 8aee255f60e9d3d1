"""One OS process of test_multiprocess: get a token through a FileTokenStore shared with others.

Usage: python _mp_worker.py STORE_DIR READY_FILE GO_FILE
Prints one JSON line: a fingerprint of the access token it ended with and the stored version.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx

from amocrm_async._auth import AuthContext
from amocrm_async._clock import SystemClock
from amocrm_async._domains import normalize_base_domain
from amocrm_async._oauth import OAuthConfig
from amocrm_async._refreshing_auth import RefreshingAuth
from amocrm_async._token_store import FileTokenStore
from tests.auth._support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI


async def main(store_dir: str, ready_file: str, go_file: str) -> dict[str, Any]:
    domain = {"value": "placeholder.amocrm.ru"}

    def set_domain(value: str) -> None:
        domain["value"] = normalize_base_domain(value, allow_any_host=True)

    async with httpx.AsyncClient(timeout=20) as http:

        async def send(
            method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
        ) -> httpx.Response:
            return await http.request(method, url, json=json, headers=headers)

        store = FileTokenStore(store_dir, lock_timeout=20)
        auth = RefreshingAuth(
            OAuthConfig(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI), store, key="acme"
        )
        auth.bind(
            AuthContext(
                clock=SystemClock(),
                get_base_domain=lambda: domain["value"],
                set_base_domain=set_domain,
                send=send,
                scheme="http",
            )
        )
        Path(ready_file).touch()
        while not os.path.exists(go_file):
            await anyio.sleep(0.005)
        token = await auth.get_access_token()
        stored = await store.load("acme")
    assert stored is not None
    return {
        "fingerprint": hashlib.sha256(token.encode()).hexdigest()[:16],
        "stored": hashlib.sha256(stored.token.access_token.encode()).hexdigest()[:16],
        "version": stored.version,
    }


if __name__ == "__main__":
    print(json.dumps(anyio.run(main, sys.argv[1], sys.argv[2], sys.argv[3])), flush=True)
