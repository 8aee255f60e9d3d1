"""Products settings: the wire, and the round trip against the fake."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient
from amocrm_async.models import ProductsSettings
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

PATH = "/api/v4/catalogs/products/settings"


async def test_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.get(PATH).respond(200, json={"is_enabled": True})
    patched = router.patch(PATH).respond(200, json={"is_enabled": False})
    assert (await amo.products.settings()).is_enabled is True
    model = ProductsSettings(is_enabled=False)
    assert await amo.products.update_settings(model) is model
    assert json.loads(patched.calls.last.request.content) == {"is_enabled": False}
    with pytest.raises(ValueError, match="is_enabled"):
        await amo.products.update_settings(ProductsSettings())
    assert patched.call_count == 1


async def test_against_the_fake() -> None:
    fake = FakeAmoCRM()
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        assert (await amo.products.settings()).is_enabled is True
        await amo.products.update_settings(ProductsSettings(is_enabled=False))
        assert (await amo.products.settings()).is_enabled is False
