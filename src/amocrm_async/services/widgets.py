"""Widgets — ``/api/v4/widgets`` (api-surface.md §5.22).

A widget is keyed by its ``code`` (a string), so ``get_one``/``install``/``uninstall`` take the
code and are built on the string-key helpers of :mod:`._keyed`; the list is the generic
:class:`~amocrm_async.services.Listable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, request_options
from ..filters import BaseFilter
from ..models import Widget
from ._entity import Listable
from ._keyed import get_by_key, key_segment
from ._writes import check_sendable

__all__ = ["WidgetsService"]


def _widget(response: APIResponse) -> Widget:
    return Widget.model_validate_json(response.content)


class WidgetsService(Listable[Widget, BaseFilter]):
    """The account's widgets: list, one by code, install with settings, uninstall."""

    path = "/api/v4/widgets"

    def _code_path(self, code: str) -> str:
        return f"{self.path}/{key_segment(code, 'code')}"

    async def get_one(self, code: str, **options: Unpack[CallOptions]) -> Widget:
        """One widget by ``code``; raises :class:`~amocrm_async.errors.NotFoundError` if none."""
        return await get_by_key(
            self._pipeline, self._code_path(code), Widget, what=f"widget {code}", options=options
        )

    async def install(
        self, code: str, settings: Mapping[str, Any], **options: Unpack[CallOptions]
    ) -> Widget:
        """Install (or re-configure) a widget in the account with its ``settings``.

        ``settings`` are the values of the widget's ``settings_template`` keys; the answer is
        the installed widget. Nothing is sent if the settings cannot go out as JSON.
        """
        path = self._code_path(code)
        if not isinstance(settings, Mapping):
            raise ValueError(f"install: settings must be a mapping, got {type(settings).__name__}")
        body = dict(settings)
        check_sendable(body, f"install: the settings of widget {code}")
        return await self._pipeline.request_decoded(
            "POST", path, _widget, json=body, options=request_options(options), request_ids=[code]
        )

    async def uninstall(self, code: str, **options: Unpack[CallOptions]) -> None:
        """Remove a widget from the account (amoCRM answers 204)."""
        await self._pipeline.request(
            "DELETE", self._code_path(code), options=request_options(options)
        )
