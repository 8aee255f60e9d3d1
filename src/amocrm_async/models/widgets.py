"""Widgets (``/api/v4/widgets``): the account's catalogue of integrations, keyed by ``code``."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = ["Widget", "WidgetSettingTemplate"]


class WidgetSettingTemplate(AmoModel):
    """One setting a widget asks for when installed (``settings_template`` item)."""

    key: str | None = None
    name: str | None = None
    type: str | None = None
    is_required: bool | None = None


class Widget(AmoEntity):
    """A widget of the catalogue; ``settings`` is what it was installed with.

    Everything is read-only except ``settings``, the body of an install
    (``amo.widgets.install(code, settings)``). amoCRM sends ``rating`` as text (``"4,5"``).
    """

    __read_only__ = frozenset(
        {
            "id",
            "updated_at",
            "code",
            "version",
            "rating",
            "settings_template",
            "is_lead_source",
            "is_work_with_dp",
            "is_crm_template",
            "is_active_in_account",
            "pipeline_id",
            "client_uuid",
            "links",
        }
    )

    code: str | None = None
    version: str | None = None
    rating: str | float | None = Field(default=None, union_mode="left_to_right")
    settings_template: list[WidgetSettingTemplate] | None = None
    is_lead_source: bool | None = None
    is_work_with_dp: bool | None = None
    is_crm_template: bool | None = None
    is_active_in_account: bool | None = None
    pipeline_id: int | None = None
    client_uuid: str | None = None
    settings: dict[str, Any] | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def required_settings(self) -> list[str]:
        """Keys of ``settings_template`` an install must give."""
        return [t.key for t in self.settings_template or () if t.is_required and t.key]
