"""Filter for ``GET /v1.0/files`` on the drive host (the PHP library's ``FilesFilter``)."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import (
    IdsInput,
    NamesInput,
    Range,
    check_positive,
    is_int,
    parse_names,
)
from amocrm_async.filters.events import StringsInput, parse_joined_strings

__all__ = ["DateCondition", "DriveFilesFilter", "SizeCondition"]


@dataclass(frozen=True, slots=True)
class SizeCondition:
    """``filter[size]``: a ``from``/``to`` window and the drive's size ``unit`` code."""

    range: Range | None = None
    unit: int | None = None


@dataclass(frozen=True, slots=True)
class DateCondition:
    """``filter[date]``: a ``from``/``to`` window, which date it is (``type``) and/or a preset."""

    range: Range | None = None
    type: str | None = None
    preset: str | None = None


def _window(
    value: SizeCondition | DateCondition, kind: type, param: str
) -> dict[str | int, PhpValue]:
    """The ``from``/``to`` part of a condition, after checking its type."""
    if not isinstance(value, kind):
        raise TypeError(f"{param}: expected {kind.__name__}, got {type(value).__name__}")
    return dict(value.range.to_php()) if value.range is not None else {}


def _parse_size(value: SizeCondition | None, param: str) -> PhpValue:
    if value is None:
        return None
    out = _window(value, SizeCondition, param)
    if value.unit is not None:
        check_positive(value.unit, f"{param}.unit")
        out["unit"] = value.unit
    return out or None


def _parse_date(value: DateCondition | None, param: str) -> PhpValue:
    if value is None:
        return None
    out = _window(value, DateCondition, param)
    for key, text in (("type", value.type), ("date_preset", value.preset)):
        if text is not None:
            if not isinstance(text, str) or not text:
                raise ValueError(f"{param}.{key}: expected a non-empty string, got {text!r}")
            out[key] = text
    return out or None


def _parse_text(value: str | None, param: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"{param}: expected a non-empty string, got {value!r}")
    return value


def _parse_source(value: int | None, param: str) -> int | None:
    check_positive(value, param)
    return value


def _parse_actors(value: IdsInput | None, param: str) -> dict[str | int, PhpValue] | None:
    """User ids, plus the drive's ``-1`` (a client) and ``0`` (a robot), which PHP would drop."""
    if value is None:
        return None
    items = [value] if is_int(value) else value
    if isinstance(items, str | bytes) or not hasattr(items, "__iter__"):
        raise TypeError(f"{param}: expected int or an iterable of int, got {type(value).__name__}")
    out: dict[str | int, PhpValue] = {}
    for index, item in enumerate(items):
        if not is_int(item) or item < -1:
            raise ValueError(f"{param}: expected ids >= -1, got {item!r} at {index}")
        out[index] = item
    return out or None


def _parse_deleted(value: bool | None, param: str) -> bool | None:
    """PHP sends ``filter[deleted]=1`` only when true; ``False`` would send nothing at all."""
    if value is None or value is True:
        return value
    raise ValueError(f"{param}: pass True to list deleted files, or leave it out (None)")


@dataclass(frozen=True, kw_only=True)
class DriveFilesFilter(BaseFilter):
    """Which drive files to list; keys in the PHP library's order.

    ``uuid`` is comma-joined as PHP does (``filter[uuid]=a,b``); ``extensions``, ``created_by``
    and ``updated_by`` are indexed lists. ``created_by``/``updated_by`` take ``-1`` (a client)
    and ``0`` (a robot) besides user ids, as the API documents; PHP drops them.
    """

    uuid: StringsInput | None = param("uuid", parse_joined_strings)
    name: str | None = param("name", _parse_text)
    extensions: NamesInput | None = param("extensions", parse_names)
    term: str | None = param("term", _parse_text)
    source_id: int | None = param("source_id", _parse_source)
    deleted: bool | None = param("deleted", _parse_deleted)
    size: SizeCondition | None = param("size", _parse_size)
    date: DateCondition | None = param("date", _parse_date)
    created_by: IdsInput | None = param("created_by", _parse_actors)
    updated_by: IdsInput | None = param("updated_by", _parse_actors)
