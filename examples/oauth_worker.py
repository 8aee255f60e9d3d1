"""OAuth 2.0 with rotating refresh tokens, shared by many tasks (and processes) safely.

The pair lives in a FileTokenStore; any number of tasks or worker processes using the same
directory refresh it exactly once when it expires. Run against the embedded fake:

    python examples/oauth_worker.py
"""

from __future__ import annotations

import tempfile

import anyio

from amocrm_async import AmoCRMClient, FileTokenStore, OAuthConfig, OAuthToken
from amocrm_async.testing import FakeAmoCRM


async def on_token_refreshed(token: OAuthToken, base_domain: str) -> None:
    # the store already holds the new pair; this is for your own bookkeeping
    print(f"refreshed a pair for {base_domain}, valid until {token.expires_at:.0f}")


async def main() -> None:
    fake = FakeAmoCRM()
    fake.seed(leads=300)
    integration = fake.register_integration(redirect_uri="https://example.com/oauth/callback")
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)

    with tempfile.TemporaryDirectory() as directory:
        async with AmoCRMClient(
            fake.base_domain,
            oauth=config,
            token_store=FileTokenStore(directory),
            on_token_refreshed=on_token_refreshed,
            transport=fake.transport,
        ) as amo:
            # in a web app, this code comes from the redirect back to your redirect_uri
            await amo.authorize(fake.issue_authorization_code(integration))

            fake.expire_tokens()  # the next request gets a 401 and triggers a single refresh
            page = await amo.leads.get(limit=10)
            async with anyio.create_task_group() as tg:
                for lead in page:
                    assert lead.id is not None
                    tg.start_soon(amo.leads.get_one, lead.id)
    print(f"{fake.stats.token_refreshes} refresh for {len(page)} concurrent requests")


if __name__ == "__main__":
    anyio.run(main)
