"""Website buttons (``/api/v4/website_buttons``): chat buttons for sites, each one a source."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from ._base import AmoEntity, AmoModel

__all__ = ["WebsiteButton", "WebsiteButtonCreateRequest", "WebsiteButtonCreated"]


def _check_websites(websites: list[str], what: str) -> list[str]:
    for position, site in enumerate(websites):
        if not isinstance(site, str) or not site.strip():
            raise ValueError(f"{what}[{position}] must be a non-empty string, got {site!r}")
    return websites


class WebsiteButton(AmoEntity):
    """A website button; the API keys it by ``source_id`` (``id`` mirrors it).

    Read-only: create one with ``amo.website_buttons.create_async()`` and add trusted sites or
    rename it with ``update_async()``. ``script`` (the code to paste into a site) comes with
    ``with_=["scripts"]``; deleted buttons are listed with ``with_=["deleted"]``.
    """

    __read_only__ = frozenset(
        {
            "id",
            "request_id",
            "updated_at",
            "account_id",
            "source_id",
            "button_id",
            "is_duplication_control_enabled",
            "name",
            "creation_status",
            "pipeline_id",
            "trusted_websites",
            "script",
            "is_deleted",
        }
    )

    account_id: int | None = None
    source_id: int | None = None
    button_id: int | None = None
    is_duplication_control_enabled: bool | None = None
    name: str | None = None
    creation_status: str | None = None
    pipeline_id: int | None = None
    trusted_websites: list[str] | None = None
    script: str | None = None
    is_deleted: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _id_from_source_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None and data.get("source_id") is not None:
            return {**data, "id": data["source_id"]}
        return data


class WebsiteButtonCreateRequest(AmoModel):
    """The body of ``POST /api/v4/website_buttons``: the button is built asynchronously.

    ``trusted_websites`` are the sites the button may be placed on; ``is_used_in_app`` also
    offers it in the mobile app SDK.
    """

    pipeline_id: int
    trusted_websites: list[str] = Field(default_factory=list)
    is_used_in_app: bool = False
    name: str | None = None

    @field_validator("trusted_websites")
    @classmethod
    def _sites(cls, value: list[str]) -> list[str]:
        return _check_websites(value, "trusted_websites")

    def _check_writable(self) -> None:
        if self.pipeline_id <= 0:
            raise ValueError(f"pipeline_id must be a positive int, got {self.pipeline_id}")


class WebsiteButtonCreated(AmoModel):
    """The answer to a create: the new button's source, its sites and name."""

    source_id: int
    trusted_websites: list[str] = Field(default_factory=list)
    name: str | None = None
