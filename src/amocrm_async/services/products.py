"""Products settings — ``/api/v4/catalogs/products/settings`` (api-surface.md §5.28)."""

from __future__ import annotations

from typing import Unpack

from .._service import CallOptions, Service, request_options
from ..models.catalogs import ProductsSettings

__all__ = ["ProductsService"]


class ProductsService(Service):
    """Whether the products catalog is on: ``amo.products.settings()`` and
    ``amo.products.update_settings(ProductsSettings(is_enabled=True))``."""

    path = "/api/v4/catalogs/products/settings"

    async def settings(self, **options: Unpack[CallOptions]) -> ProductsSettings:
        """The current settings."""
        return await self._pipeline.request_decoded(
            "GET",
            self.path,
            lambda response: ProductsSettings.model_validate_json(response.content),
            options=request_options(options),
        )

    async def update_settings(
        self, model: ProductsSettings, **options: Unpack[CallOptions]
    ) -> ProductsSettings:
        """Change the settings; ``model`` is updated from the answer and returned."""
        if model.is_enabled is None:
            raise ValueError("update_settings: set ProductsSettings.is_enabled")
        answer = await self._pipeline.request_decoded(
            "PATCH",
            self.path,
            lambda response: ProductsSettings.model_validate_json(response.content),
            json=model.to_api(),
            options=request_options(options),
        )
        if answer.is_enabled is not None:
            model.is_enabled = answer.is_enabled
        return model
