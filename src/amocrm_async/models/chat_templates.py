"""Chat templates (``/api/v4/chats/templates``): canned messages, with buttons and WhatsApp
(WABA) review data."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ._base import AmoEntity, AmoModel

__all__ = [
    "ChatTemplate",
    "ChatTemplateAttachment",
    "ChatTemplateAttachmentType",
    "ChatTemplateButton",
    "ChatTemplateButtonType",
    "ChatTemplateEmbedded",
    "ChatTemplateReview",
    "ChatTemplateReviewStatus",
    "ChatTemplateType",
    "WabaCategory",
]


class ChatTemplateButtonType(StrEnum):
    """PHP ``ButtonsEnums``: a quick-reply button (``inline``) or a link (``url``)."""

    INLINE = "inline"
    URL = "url"


class ChatTemplateType(StrEnum):
    AMOCRM = "amocrm"
    WABA = "waba"


class WabaCategory(StrEnum):
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"
    MARKETING = "MARKETING"


class ChatTemplateReviewStatus(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    REJECTED = "rejected"
    APPROVED = "approved"
    PAUSED = "paused"


class ChatTemplateAttachmentType(StrEnum):
    PICTURE = "picture"
    FILE = "file"
    DOCUMENT = "document"
    VIDEO = "video"


# each is the enum member when the value is one, the plain string otherwise (parsing never fails)
_ButtonType = Annotated[ChatTemplateButtonType | str, Field(union_mode="left_to_right")]
_AttachmentType = Annotated[ChatTemplateAttachmentType | str, Field(union_mode="left_to_right")]
_ReviewStatus = Annotated[ChatTemplateReviewStatus | str, Field(union_mode="left_to_right")]
_TemplateType = Annotated[ChatTemplateType | str, Field(union_mode="left_to_right")]
_Category = Annotated[WabaCategory | str, Field(union_mode="left_to_right")]


class ChatTemplateButton(AmoModel):
    """One button: ``inline`` (text only) or ``url`` (text and ``url``)."""

    type: _ButtonType | None = None
    text: str | None = None
    url: str | None = None


class ChatTemplateAttachment(AmoModel):
    """A drive file sent with the template: ``id`` is the file's uuid."""

    id: str | None = None
    name: str | None = None
    type: _AttachmentType | None = None


class ChatTemplateReview(AmoModel):
    """A WhatsApp review of the template by one source (``with_=["reviews"]``)."""

    id: int | None = None
    source_id: int | None = None
    status: _ReviewStatus | None = None
    reject_reason: str | None = None


class ChatTemplateEmbedded(AmoModel):
    reviews: list[ChatTemplateReview] | None = None


class ChatTemplate(AmoEntity):
    """A chat template. ``name`` and ``content`` are required to create one.

    Buttons are all ``inline`` or all ``url`` (amoCRM allows one kind per template), and a
    ``url`` button needs its ``url``; both are checked before anything is sent. ``buttons=None``
    or ``attachment=None`` set explicitly goes out as ``null`` and removes them.
    """

    __read_only__ = frozenset({"account_id", "created_at", "updated_at", "embedded"})
    __null_on_write__ = frozenset({"buttons", "attachment"})

    name: str | None = None
    content: str | None = None
    buttons: list[ChatTemplateButton] | None = None
    is_editable: bool | None = None
    external_id: str | None = None
    attachment: ChatTemplateAttachment | None = None
    type: _TemplateType | None = None
    waba_header: str | None = None
    waba_footer: str | None = None
    waba_category: _Category | None = None
    waba_language: str | None = None
    waba_examples: dict[str, str] | None = None
    account_id: int | None = None
    created_at: int | None = None
    embedded: ChatTemplateEmbedded | None = Field(default=None, alias="_embedded")

    @property
    def reviews(self) -> list[ChatTemplateReview]:
        """The template's reviews (read with ``with_=["reviews"]``)."""
        return list(self.embedded.reviews or ()) if self.embedded is not None else []

    def _check_writable(self) -> None:
        if self.id is None:
            for name in ("name", "content"):
                if not getattr(self, name):
                    raise ValueError(f"ChatTemplate.{name} is required to create a template")
        buttons = self.buttons or []
        kinds = {button.type for button in buttons}
        unknown = kinds - set(ChatTemplateButtonType)
        if unknown:
            raise ValueError(
                "ChatTemplate.buttons: type must be 'inline' or 'url', "
                f"got {sorted(map(str, unknown))}"
            )
        if len(kinds) > 1:
            raise ValueError("ChatTemplate.buttons: all buttons must be of one type")
        for position, button in enumerate(buttons):
            if not button.text:
                raise ValueError(f"ChatTemplate.buttons.{position}.text is required")
            if button.type == ChatTemplateButtonType.URL and not button.url:
                raise ValueError(
                    f"ChatTemplate.buttons.{position}.url is required for a url button"
                )
            if button.type == ChatTemplateButtonType.INLINE and button.url is not None:
                raise ValueError(f"ChatTemplate.buttons.{position}: an inline button has no url")
