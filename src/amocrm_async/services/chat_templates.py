"""Chat templates — ``/api/v4/chats/templates`` (api-surface.md §5.36).

Plain CRUD plus deletes, with one quirk of the write answers: amoCRM may answer a batch with a
bare object instead of ``_embedded.chat_templates`` (PHP's ``processAction`` handles both), so
the answer is read either way before it is mapped back by ``request_id``/``id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, entity_id, request_options
from ..filters import ChatTemplatesFilter
from ..models import ChatTemplate, ChatTemplateReview, ChatTemplateWith, with_values
from ._entity import BatchDeletable, CrudService, Deletable
from ._keyed import embedded_models
from ._writes import Apply, apply_by_request_id

__all__ = ["ChatTemplatesService"]

_KEY = "chat_templates"


def _apply_templates(chunk: list[ChatTemplate], body: Any) -> None:
    if isinstance(body, Mapping) and "_embedded" not in body and "id" in body:
        body = {"_embedded": {_KEY: [body]}}
    apply_by_request_id(_KEY)(chunk, body)


class ChatTemplatesService(
    CrudService[ChatTemplate, ChatTemplatesFilter],
    Deletable[ChatTemplate],
    BatchDeletable[ChatTemplate],
):
    """Chat templates: read, page, create, update, delete; WhatsApp reviews."""

    path = "/api/v4/chats/templates"
    embedded_key = _KEY
    with_allowed = with_values(ChatTemplateWith)

    def _apply(self) -> Apply[ChatTemplate]:
        return _apply_templates

    async def send_on_review(
        self, template_id: int, **options: Unpack[CallOptions]
    ) -> list[ChatTemplateReview]:
        """Send a WABA template for review (``POST …/{id}/review``); returns its reviews."""
        decode = embedded_models("reviews", ChatTemplateReview)

        def reviews(response: APIResponse) -> list[ChatTemplateReview]:
            return decode(response) if response.content else []

        return await self._pipeline.request_decoded(
            "POST",
            f"{self._item_path(template_id)}/review",
            reviews,
            options=request_options(options),
        )

    async def update_review_status(
        self, template_id: int, review: ChatTemplateReview, **options: Unpack[CallOptions]
    ) -> ChatTemplateReview:
        """Set the status of one review (``POST …/{id}/review/{review_id}``); the review's
        ``status`` and ``reject_reason`` are updated from the answer and it is returned."""
        if review.id is None:
            raise ValueError("update_review_status: the review has no id")
        path = f"{self._item_path(template_id)}/review/{entity_id(review.id)}"
        data = await self._pipeline.request_decoded(
            "POST",
            path,
            APIResponse.json,
            json={
                "id": review.id,
                "source_id": review.source_id,
                "status": review.status,
                "reject_reason": review.reject_reason,
            },
            options=request_options(options),
        )
        if isinstance(data, Mapping):
            review.status = data.get("status")
            review.reject_reason = data.get("reject_reason")
        return review
