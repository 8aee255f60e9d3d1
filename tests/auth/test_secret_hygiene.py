"""No client secret, access token or refresh token in any repr, str, error or log line.

The autouse ``leak_guard`` (conftest) checks every log record of every auth test at DEBUG; this
module additionally walks a whole token lifecycle and inspects every object and error it meets.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from amocrm_async._oauth import OAuthConfig, parse_oauth_callback
from amocrm_async._token_store import FileTokenStore, MemoryTokenStore, TokenStore
from amocrm_async.errors import ReauthorizationRequiredError, TokenStoreError

from ._support import DomainHolder, FakeTokenEndpoint, Secrets, seed
from .conftest import MakeAuth

pytestmark = pytest.mark.anyio


def _chain(error: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_whole_lifecycle_leaks_nothing(
    kind: str,
    tmp_path: Path,
    make_auth: MakeAuth,
    endpoint: FakeTokenEndpoint,
    domains: DomainHolder,
    config: OAuthConfig,
    secret_values: Secrets,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store: TokenStore = MemoryTokenStore() if kind == "memory" else FileTokenStore(tmp_path)
    seen: list[object] = []
    auth = make_auth(token_store=store, on_token_refreshed=lambda t, d: seen.append(t))

    code = endpoint.issue_code()
    callback = parse_oauth_callback(
        f"code={code}&state=S&referer=acme.amocrm.ru", expected_state="S"
    )
    first = await auth.authorize(callback.code, base_domain=callback.base_domain)
    access = await auth.get_access_token()
    assert await auth.handle_unauthorized(access)
    endpoint.drop_responses = 1
    await auth.refresh()
    endpoint.rename("acme-two.amocrm.ru")
    await auth.refresh()
    endpoint.revoke_all()
    with pytest.raises(ReauthorizationRequiredError) as caught:
        await auth.refresh()

    objects: list[object] = [
        config,
        callback,
        first,
        auth,
        auth.stored,
        store,
        await store.load("acme"),
        *seen,
        *_chain(caught.value),
    ]
    secret_values.assert_absent(*objects)
    assert not secret_values.found_in(caplog.text)
    assert len(secret_values.values) > 8


async def test_corrupt_store_error_leaks_nothing(
    tmp_path: Path, endpoint: FakeTokenEndpoint, secret_values: Secrets
) -> None:
    store = FileTokenStore(tmp_path)
    record = await seed(store, endpoint)
    path = store.token_path("acme")
    path.write_text(path.read_text().replace('"expires_at"', '"expires_at_"'))
    with pytest.raises(TokenStoreError) as caught:
        await store.load("acme")
    secret_values.assert_absent(*_chain(caught.value), record)
