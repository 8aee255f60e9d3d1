"""One OS process of the multi-process OAuth e2e test (tests/e2e/test_oauth_e2e.py).

Usage: python _oauth_worker.py CONFIG_JSON READY_FILE GO_FILE BACKEND

CONFIG_JSON names a file holding ``base_url``, ``client_id``, ``client_secret``,
``redirect_uri``, ``store_dir``, ``key`` and ``calls`` (the client secret is passed in a file,
not on the command line). The worker opens an ``AmoCRMClient`` on the loopback fake with a
``FileTokenStore`` shared with its siblings, touches READY_FILE, waits for GO_FILE, then makes
``calls`` concurrent ``amo.leads.get()`` calls. It logs the SDK at DEBUG to stderr (the parent
checks that no secret appears there) and prints one JSON line with sha256 fingerprints (never
the tokens) of the access token it ended with and of the stored one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from amocrm_async import AmoCRMClient, FileTokenStore, OAuthConfig, RefreshingAuth

START_TIMEOUT = 15.0


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


async def main(config_file: str, ready_file: str, go_file: str) -> dict[str, Any]:
    cfg = json.loads(Path(config_file).read_text())
    store = FileTokenStore(cfg["store_dir"], lock_timeout=10)
    oauth = OAuthConfig(cfg["client_id"], cfg["client_secret"], cfg["redirect_uri"])
    counts: list[int] = []
    async with AmoCRMClient(
        cfg["base_url"],
        oauth=oauth,
        token_store=store,
        token_key=cfg["key"],
        allow_any_host=True,
        timeout=10,
        rate_limit=1000,
        account_rate_limit=1000,
    ) as amo:
        assert amo.leads is not None  # import the service now, so that the start is a race
        Path(ready_file).touch()
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(go_file):
            if time.monotonic() > deadline:
                raise TimeoutError("no go signal from the test")
            await anyio.sleep(0.002)

        async def call() -> None:
            page = await amo.leads.get()
            counts.append(len(page.items))

        async with anyio.create_task_group() as tg:
            for _ in range(int(cfg["calls"])):
                tg.start_soon(call)
        auth = amo.auth
        assert isinstance(auth, RefreshingAuth)
        used = auth.stored
        assert used is not None
        stored = await store.load(cfg["key"])
    assert stored is not None
    return {
        "pid": os.getpid(),
        "counts": counts,
        "fingerprint": fingerprint(used.token.access_token),
        "version": used.version,
        "stored_fingerprint": fingerprint(stored.token.access_token),
        "stored_version": stored.version,
        "stored_base_domain": stored.base_domain,
    }


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s"
    )
    config_file, ready_file, go_file, backend = sys.argv[1:5]
    result = anyio.run(main, config_file, ready_file, go_file, backend=backend)
    print(json.dumps(result), flush=True)
