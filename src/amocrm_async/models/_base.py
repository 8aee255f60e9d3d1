"""The base class of every amoCRM model and the rules that turn a model into a write payload.

amoCRM answers with more than it accepts: responses carry read-only fields (``updated_at``,
``account_id``, ``field_type`` …), fields the SDK does not know yet, and ``null`` for anything
unset. Writes must send none of those, except the explicit ``null`` that clears a custom field.
Those rules live here once, in :meth:`AmoModel.to_api`, so entity models only declare *which*
fields are read-only (``__read_only__``) or may be sent as ``null`` (``__null_on_write__``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

__all__ = ["AmoModel"]

_WRITE_CONTEXT: dict[str, bool] = {"amocrm_async.write": True}
"""Serialisation context marking a write dump; compared by identity, so it stays private."""


class AmoModel(BaseModel):
    """Base of all amoCRM models.

    Parsing is lenient where the server is concerned (unknown fields are kept as extras, so a new
    API field never breaks a page) and strict where the caller is concerned (assigning a value of
    the wrong type raises a :class:`pydantic.ValidationError` naming the field).

    Subclasses describe their write payload with two class variables:

    * ``__read_only__`` — field names parsed from responses but never sent.
    * ``__null_on_write__`` — field names sent as JSON ``null`` when they were *explicitly* set to
      ``None`` (constructed, parsed or assigned); every other ``None`` is omitted. This is how a
      custom field is cleared (``"values": null``) without turning every unset field into a
      destructive ``null``.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_assignment=True)

    __read_only__: ClassVar[frozenset[str]] = frozenset()
    __null_on_write__: ClassVar[frozenset[str]] = frozenset()
    __write_keys__: ClassVar[tuple[tuple[str, str], ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fields = cls.model_fields
        unknown = (cls.__read_only__ | cls.__null_on_write__) - fields.keys()
        if unknown:
            raise TypeError(f"{cls.__name__} lists unknown fields: {sorted(unknown)}")
        cls.__write_keys__ = tuple(
            (name, info.serialization_alias or info.alias or name)
            for name, info in fields.items()
            if name not in cls.__read_only__
        )

    def to_api(self) -> dict[str, Any]:
        """Return the JSON-ready write payload for this model.

        Rules, applied recursively to nested models: read-only fields and unknown (extra) fields
        are dropped, ``None`` is dropped unless the field is in ``__null_on_write__`` and was set
        explicitly, keys use the API's names (``_embedded``), and values are in JSON form
        (datetimes as RFC 3339 strings).
        """
        self._check_writable()
        payload: dict[str, Any] = self.model_dump(
            mode="json", by_alias=True, context=_WRITE_CONTEXT
        )
        return payload

    def _check_writable(self) -> None:
        """Raise :class:`ValueError` if this model cannot be sent as it is (hook for subclasses)."""

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        """Reduce a full JSON dump of this model to its write payload (see :meth:`to_api`)."""
        fields_set = self.model_fields_set
        null_ok = self.__null_on_write__
        out: dict[str, Any] = {}
        for name, key in self.__write_keys__:
            if key not in data:
                continue
            value = data[key]
            if value is None and not (name in null_ok and name in fields_set):
                continue
            out[key] = value
        return out

    @model_serializer(mode="wrap")
    def _serialize(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if info.context is _WRITE_CONTEXT:
            return self._write_filter(data)
        return data


def is_write(info: SerializationInfo) -> bool:
    """Tell a field serializer whether it runs inside :meth:`AmoModel.to_api`."""
    return info.context is _WRITE_CONTEXT
