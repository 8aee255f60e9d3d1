"""Website buttons — ``/api/v4/website_buttons`` (api-surface.md §5.35).

A button is read like any entity (by its ``source_id``); it is created and changed through
asynchronous endpoints: amoCRM accepts the request and builds the button (and its source) in
the background, so ``create_async`` answers with the new ``source_id`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, entity_id, request_options
from ..filters import BaseFilter
from ..models import (
    WebsiteButton,
    WebsiteButtonCreated,
    WebsiteButtonCreateRequest,
    WebsiteButtonWith,
    with_values,
)
from ._entity import ReadService
from ._writes import check_sendable

__all__ = ["WebsiteButtonsService"]


def _decoder(model: type[Any]) -> Any:
    def decode(response: APIResponse) -> Any:
        return model.model_validate_json(response.content)

    return decode


class WebsiteButtonsService(ReadService[WebsiteButton, BaseFilter]):
    """Website buttons: read, page, create, add trusted sites or rename, add an online chat."""

    path = "/api/v4/website_buttons"
    with_allowed = with_values(WebsiteButtonWith)

    async def create_async(
        self, request: WebsiteButtonCreateRequest, **options: Unpack[CallOptions]
    ) -> WebsiteButtonCreated:
        """Ask amoCRM to create a button in ``request.pipeline_id``; returns its ``source_id``.

        The button is built in the background: read it with ``get_one(source_id)`` later.
        """
        payload = request.to_api()
        check_sendable(payload, "create_async: the request")
        created: WebsiteButtonCreated = await self._pipeline.request_decoded(
            "POST",
            self.path,
            _decoder(WebsiteButtonCreated),
            json=payload,
            options=request_options(options),
        )
        return created

    async def update_async(
        self,
        source_id: int,
        *,
        trusted_websites_to_add: Iterable[str] = (),
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> WebsiteButton:
        """Add trusted sites to a button and/or rename it; returns the button.

        At least one of ``trusted_websites_to_add`` and ``name`` is needed (the PHP library's
        "No attributes to update given"); sites must be non-empty strings.
        """
        path = f"{self.path}/{entity_id(source_id)}"
        sites = (
            [trusted_websites_to_add]
            if isinstance(trusted_websites_to_add, str)
            else list(trusted_websites_to_add)
        )
        for position, site in enumerate(sites):
            if not isinstance(site, str) or not site.strip():
                raise ValueError(
                    f"update_async: trusted_websites_to_add[{position}] must be a non-empty "
                    f"string, got {site!r}"
                )
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"update_async: name must be a non-empty string, got {name!r}")
        payload: dict[str, Any] = {}
        if sites:
            payload["trusted_websites"] = {"add": sites}
        if name is not None:
            payload["name"] = name
        if not payload:
            raise ValueError(
                "update_async: nothing to update (give trusted_websites_to_add or name)"
            )
        check_sendable(payload, "update_async: the request")
        button: WebsiteButton = await self._pipeline.request_decoded(
            "PATCH",
            path,
            _decoder(WebsiteButton),
            json=payload,
            options=request_options(options),
        )
        return button

    async def add_online_chat_async(self, source_id: int, **options: Unpack[CallOptions]) -> None:
        """Add an online chat to a button's source (``POST …/{source_id}/online_chat``)."""
        await self._pipeline.request(
            "POST",
            f"{self.path}/{entity_id(source_id)}/online_chat",
            options=request_options(options),
        )
