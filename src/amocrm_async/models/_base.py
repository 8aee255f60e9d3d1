"""Base classes of every amoCRM model and the rules that turn a model into a write payload.

amoCRM answers with more than it accepts: responses carry read-only fields (``updated_at``,
``account_id``, ``field_type`` …), fields the SDK does not know yet, and ``null`` for anything
unset. Writes must send none of those, except the explicit ``null`` that clears a custom field.
Those rules live here once, in ``to_api()``; models only declare which fields are read-only
(``__read_only__``), may be sent as ``null`` (``__null_on_write__``) or are only sent when
creating (``__create_only__``: ``created_at``/``created_by``/``updated_by``, which a read entity
must not send back — an echoed ``updated_by`` would attribute the change to the last editor).
An empty ``_embedded.tags`` list is never sent: read from the server and sent back, it could wipe
tags added since (``tags=None`` set explicitly removes all tags).

There are two bases:

* :class:`AmoModel` (a pydantic ``BaseModel``) for entities: leads, contacts, tags …. Unknown
  server fields are kept as extras, and "explicitly set" is tracked per field.
* :class:`AmoStruct` (a slotted pydantic dataclass) for the many small parts of a response:
  custom-field wrappers and values, HAL links. A ``BaseModel`` instance carries a ``__dict__``
  and a fields-set ``set`` (728 bytes once five fields are set); a page of 250 leads holds about
  8,000 of these parts, and dropping both cut its decoded size from 7 MB to under 3 MB and its
  decode time by half (``bench/decode.py``). Structs ignore unknown keys and do not track which
  fields were set.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from typing import Any, ClassVar, TypeVar, cast, dataclass_transform

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo

__all__ = ["AmoEntity", "AmoModel", "AmoStruct", "is_write", "struct"]

_WRITE_CONTEXT: dict[str, bool] = {"amocrm_async.write": True}
"""Serialisation context marking a write dump; compared by identity, so it stays private."""

_STRUCT_CONFIG = ConfigDict(
    extra="ignore",
    populate_by_name=True,
    validate_assignment=True,
    coerce_numbers_to_str=True,
    allow_inf_nan=False,
)

_T = TypeVar("_T")


def is_write(info: SerializationInfo) -> bool:
    """Tell a serializer whether it runs inside a ``to_api()`` dump."""
    return info.context is _WRITE_CONTEXT


_write_keys_cache: dict[type[Any], tuple[tuple[str, str], ...]] = {}


def _write_keys(cls: type[Any]) -> tuple[tuple[str, str], ...]:
    """``(field name, JSON key)`` of every writable field of ``cls``, in declaration order."""
    keys = _write_keys_cache.get(cls)
    if keys is None:
        fields: dict[str, FieldInfo] = cls.__pydantic_fields__
        read_only: frozenset[str] = cls.__read_only__
        unknown = (read_only | cls.__null_on_write__) - fields.keys()
        if unknown:
            raise TypeError(f"{cls.__name__} lists unknown fields: {sorted(unknown)}")
        keys = tuple(
            (name, info.serialization_alias or info.alias or name)
            for name, info in fields.items()
            if name not in read_only
        )
        _write_keys_cache[cls] = keys
    return keys


def _filter_for_write(
    obj: Any, data: dict[str, Any], explicitly_set: Set[str] | None
) -> dict[str, Any]:
    null_ok: frozenset[str] = obj.__null_on_write__
    out: dict[str, Any] = {}
    for name, key in _write_keys(type(obj)):
        if key not in data:
            continue
        value = data[key]
        if value is None and (
            name not in null_ok or (explicitly_set is not None and name not in explicitly_set)
        ):
            continue
        out[key] = value
    return out


class AmoModel(BaseModel):
    """Base of all amoCRM entities.

    Parsing is lenient where the server is concerned (unknown fields are kept as extras, so a new
    API field never breaks a page) and strict where the caller is concerned (assigning a value of
    the wrong type raises a :class:`pydantic.ValidationError` naming the field).

    Class variables describing the write payload:

    * ``__read_only__`` — field names parsed from responses but never sent.
    * ``__null_on_write__`` — field names sent as JSON ``null`` when they were *explicitly* set
      to ``None`` (constructed, parsed or assigned); every other ``None`` is omitted. This is how
      ``_embedded.tags`` is emptied without turning every unset field into a destructive
      ``null``.
    """

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, validate_assignment=True, allow_inf_nan=False
    )

    __read_only__: ClassVar[frozenset[str]] = frozenset()
    __null_on_write__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _write_keys(cls)

    @classmethod
    def updatable_fields(cls) -> frozenset[str]:
        """Names of the fields an update may send: neither read-only nor create-only."""
        return frozenset(name for name, _ in _write_keys(cls)) - cls._create_only()

    @classmethod
    def _create_only(cls) -> frozenset[str]:
        return frozenset()

    def overlay(self, target: AmoModel, names: Iterable[str]) -> None:
        """Copy the fields ``names`` of this model onto ``target`` (a model of the same class),
        skipping ``None``; a nested model present on both sides is overlaid field by field with
        the updatable fields set on it, so read-only parts of ``target`` stay the server's.
        Assignments are validated."""
        for name in names:
            value = self.__dict__.get(name)
            current = target.__dict__.get(name)
            if value is None or value == current:
                continue
            if (
                isinstance(value, AmoModel)
                and isinstance(current, AmoModel)
                and type(value) is type(current)
            ):
                value.overlay(current, value.model_fields_set & type(value).updatable_fields())
            else:
                setattr(target, name, value)

    def to_api(self) -> dict[str, Any]:
        """Return the JSON-ready write payload for this model.

        Rules, applied recursively to nested models: read-only fields and unknown (extra) fields
        are dropped, ``None`` is dropped unless ``__null_on_write__`` allows it, keys use the
        API's names (``_embedded``), and values are in JSON form (datetimes as RFC 3339).
        """
        self._check_writable()
        payload: dict[str, Any] = self.model_dump(
            mode="json", by_alias=True, context=_WRITE_CONTEXT
        )
        return payload

    def _check_writable(self) -> None:
        """Raise :class:`ValueError` if this model cannot be sent as it is (hook)."""

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        """Reduce a full JSON dump of this model to its write payload (hook)."""
        payload = _filter_for_write(self, data, self.model_fields_set)
        _tidy_embedded(payload)
        return payload

    @model_serializer(mode="wrap")
    def _serialize(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if info.context is _WRITE_CONTEXT:
            return self._write_filter(data)
        return data


class AmoEntity(AmoModel):
    """An entity with an id of its own: what the generic read and write paths rely on.

    ``id`` is filled in when the entity is created, ``request_id`` ties an entity of a batch to
    its line in the answer, and ``updated_at`` is copied back after every write. Subclasses
    keep declaring which of their fields are read-only, and which are only sent when creating
    (``__create_only__``; dropped from the payload of an entity that has an ``id``).

    A ``request_id`` the SDK generated for a batch is remembered as such: a later write gives the
    model a fresh one, so leftovers of several failed batches can be sent together. A
    ``request_id`` you set is kept (and must be unique within a batch).
    """

    __create_only__: ClassVar[frozenset[str]] = frozenset()

    id: int | None = None
    request_id: str | None = None
    updated_at: int | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        unknown = cls.__create_only__ - cls.model_fields.keys()
        if unknown:
            raise TypeError(f"{cls.__name__} lists unknown fields: {sorted(unknown)}")

    @classmethod
    def _create_only(cls) -> frozenset[str]:
        return cls.__create_only__

    @property
    def request_id_is_generated(self) -> bool:
        """Whether ``request_id`` is one the SDK generated (``False`` if you set it)."""
        rid = self.request_id
        return rid is not None and rid == self._generated_request_id()

    @property
    def caller_request_id(self) -> str | None:
        """The ``request_id`` you set, or ``None`` if there is none or the SDK generated it."""
        return None if self.request_id_is_generated else self.request_id

    def _generated_request_id(self) -> str | None:
        # kept in pydantic's private-state slot by hand: declaring a PrivateAttr would make
        # pydantic set private state up for every entity it parses (2.4x slower per model)
        private = self.__pydantic_private__
        return private.get(_GENERATED) if private else None

    def _set_generated_request_id(self, rid: str | None) -> None:
        private = self.__pydantic_private__
        if private is None:
            object.__setattr__(self, "__pydantic_private__", {_GENERATED: rid})
        else:
            private[_GENERATED] = rid

    def _assign_request_id(self, rid: str | None, *, generated: bool) -> None:
        self.request_id = rid
        self._set_generated_request_id(rid if generated else None)

    def _request_id_state(self) -> tuple[str | None, str | None]:
        return self.request_id, self._generated_request_id()

    def _restore_request_id(self, state: tuple[str | None, str | None]) -> None:
        self.request_id = state[0]
        self._set_generated_request_id(state[1])

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        payload = super()._write_filter(data)
        if self.id is not None:
            for name in self.__create_only__:
                payload.pop(_json_key(type(self), name), None)
        return payload


_GENERATED = "generated_request_id"


def _json_key(cls: type[Any], name: str) -> str:
    for field, key in _write_keys(cls):
        if field == name:
            return key
    return name


def _tidy_embedded(payload: dict[str, Any]) -> None:
    """Drop ``_embedded.tags`` when ``tags_to_add``/``tags_to_delete`` are used, as amoCRM wants,
    or when it is an empty list (sent back after a read it could wipe tags added since; clear
    tags with an explicit ``tags=None``), and an ``_embedded`` object left empty, so writes never
    send ``"_embedded": {}``."""
    embedded = payload.get("_embedded")
    if embedded is None:
        return
    if "tags_to_add" in payload or "tags_to_delete" in payload or embedded.get("tags") == []:
        embedded.pop("tags", None)
    if not embedded:
        del payload["_embedded"]


@dataclass_transform(kw_only_default=True, field_specifiers=(FieldInfo,))
def struct(cls: type[_T]) -> type[_T]:
    """Make ``cls`` an :class:`AmoStruct` dataclass: slotted, keyword-only, validated on
    assignment, ignoring unknown keys. Every subclass of :class:`AmoStruct` is decorated."""
    made = dataclass(slots=True, kw_only=True, config=_STRUCT_CONFIG)(cls)
    _write_keys(made)
    return cast("type[_T]", made)


@struct
class AmoStruct:
    """Base of the compact response parts (custom-field wrappers and values, HAL links).

    Same write rules as :class:`AmoModel`, except that structs do not track which fields were
    set, so ``__null_on_write__`` fields are sent as ``null`` whenever they are ``None``.
    Structs compare by value and dump with ``pydantic.TypeAdapter(type(x)).dump_python``.
    """

    __read_only__: ClassVar[frozenset[str]] = frozenset()
    __null_on_write__: ClassVar[frozenset[str]] = frozenset()

    def to_api(self) -> dict[str, Any]:
        """Return the JSON-ready write payload (see :meth:`AmoModel.to_api`)."""
        self._check_writable()
        serializer = self.__pydantic_serializer__  # type: ignore[attr-defined]
        payload: dict[str, Any] = serializer.to_python(
            self, mode="json", by_alias=True, context=_WRITE_CONTEXT
        )
        return payload

    def _check_writable(self) -> None:
        """Raise :class:`ValueError` if this struct cannot be sent as it is (hook)."""

    @model_serializer(mode="wrap")
    def _serialize(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if info.context is _WRITE_CONTEXT:
            return _filter_for_write(self, data, None)
        return data
