"""The filter protocol: a filter is a frozen dataclass whose fields declare their wire keys.

Each field is declared once, with :func:`param`; a notes filter, say, would read::

    @dataclass(frozen=True, kw_only=True)
    class NotesFilter(BaseFilter):
        SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"id", "updated_at"})

        ids: IdsInput | None = param("id", parse_ids)
        updated_at: TimeOrRange | None = param("updated_at", parse_time_or_range)
        order: OrderInput | None = order_param()

The annotation is what the caller may pass (and what mypy and IDEs check), the wire key is
where the value goes (``filter[<key>]``, or ``<key>`` at the top level for ``query``,
``order`` and the like), and the parser normalises it the way the PHP setter does. The
annotation and the parser's input type must agree, or mypy rejects the declaration.

:class:`BaseFilter` does the rest, identically for every filter:

* keys are rendered in declaration order, ``filter[...]`` keys first and then top-level
  ones, which is the order PHP's ``buildFilter()`` methods produce. A subclass's fields come
  after its parent's, unless ``after=`` places one right behind an inherited field;
* every field is parsed (so validated) in the constructor and the rendered pairs are kept,
  so a bad argument fails before any request and later changes to a list you passed in do
  not leak into the query;
* :meth:`BaseFilter.to_query` appends paging at the end, as PHP's ``PagesFilterTrait`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from functools import partial
from typing import Any, ClassVar, NamedTuple, TypeAlias, TypeVar

from amocrm_async._phpquery import PhpValue, encode_query, flatten_query
from amocrm_async.filters._parsers import OrderInput, check_positive, parse_order

__all__ = ["BaseFilter", "Param", "Parser", "order_param", "param"]

Parser: TypeAlias = Callable[[Any, str], PhpValue]
"""``parse(value, param)``: the argument as passed, and its keyword name for error messages."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Param:
    """How one filter field goes on the wire; lives in the dataclass field's ``metadata``.

    Attributes:
        key: ``filter[<key>]``, or ``<key>`` when ``top_level``.
        parse: normalises and validates the argument (see :mod:`._parsers`).
        top_level: send outside the ``filter`` block (``query``, ``order``).
        after: render right after this inherited field (by field name), not at the end.
        requires: field name that must be given too; a bare value raises ``ValueError``.
    """

    key: str
    parse: Parser
    top_level: bool = False
    after: str | None = None
    requires: str | None = None

    def parser_for(self, owner: type[BaseFilter]) -> Parser:
        """The parser to use in ``owner`` (a hook for parameters that read class data)."""
        return self.parse


class _OrderParam(Param):
    """``order[field]=direction``; the sortable fields are the owner's ``SORTABLE_FIELDS``."""

    __slots__ = ()

    def parser_for(self, owner: type[BaseFilter]) -> Parser:
        if not owner.SORTABLE_FIELDS:
            raise TypeError(f"{owner.__name__}: declares order but has no SORTABLE_FIELDS")
        return partial(parse_order, sortable=owner.SORTABLE_FIELDS)


def param(
    key: str,
    parse: Callable[[_T | None, str], PhpValue],
    *,
    top_level: bool = False,
    after: str | None = None,
    requires: str | None = None,
) -> _T | None:
    """Declare a filter field: optional (``None``: not sent), keyword-only, parsed by ``parse``.

    Typed as the parser's input so that ``ids: IdsInput | None = param("id", parse_ids)``
    checks the annotation against the parser.
    """
    spec = Param(key, parse, top_level=top_level, after=after, requires=requires)
    return field(default=None, metadata={Param: spec})


def order_param() -> OrderInput | None:
    """Declare the ``order`` field; what may be sorted by is the class's ``SORTABLE_FIELDS``."""
    return field(default=None, metadata={Param: _OrderParam("order", parse_order, top_level=True)})


class _Slot(NamedTuple):
    name: str
    spec: Param
    parse: Parser


@dataclass(frozen=True, kw_only=True)
class BaseFilter:
    """A list filter that renders to the same query as the PHP library's ``buildFilter()``.

    Subclasses declare their fields with :func:`param` (see the module docstring) and are
    decorated ``@dataclass(frozen=True, kw_only=True)``. Paging is not part of the filter
    (the service owns it), but :meth:`to_query` accepts ``page``/``limit`` and appends them
    where PHP's ``PagesFilterTrait`` does: at the very end, ``limit`` first, then ``page``.
    The PHP library always sends them (defaults 50/1); we send them only when given.
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset()
    """What ``order`` accepts; empty for filters without an ``order`` field."""

    _pairs: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pairs", tuple(flatten_query(self._build())))

    def _build(self) -> dict[str, PhpValue]:
        """The array PHP's ``buildFilter()`` returns, without ``limit``/``page``."""
        block: dict[str | int, PhpValue] = {}
        top: dict[str, PhpValue] = {}
        for name, spec, parse in _layout(type(self)):
            raw = getattr(self, name)
            if raw is not None and spec.requires and getattr(self, spec.requires) is None:
                raise ValueError(f"{name}: only allowed together with {spec.requires}")
            value = parse(raw, name)
            if value is None or value == {} or value == []:
                if raw is not None:
                    raise ValueError(
                        f"{name}={raw!r} selects nothing once normalised (negative ids, empty "
                        "strings and the like are dropped); sending no condition would match "
                        "everything, so pass None to leave it out"
                    )
                continue
            if spec.top_level:
                top[spec.key] = value
            else:
                block[spec.key] = value
        return {"filter": block, **top} if block else top

    def to_query(
        self, *, page: int | None = None, limit: int | None = None
    ) -> list[tuple[str, str]]:
        """Unencoded ``(key, value)`` pairs in PHP order, e.g. ``("filter[id][0]", "1")``."""
        check_positive(page, "page")
        check_positive(limit, "limit")
        pairs = list(self._pairs)
        if limit is not None:
            pairs.append(("limit", str(limit)))
        if page is not None:
            pairs.append(("page", str(page)))
        return pairs

    def to_query_string(self, *, page: int | None = None, limit: int | None = None) -> str:
        """The RFC 3986 encoded query string, byte-identical to the PHP library's."""
        return encode_query(self.to_query(page=page, limit=limit))


_LAYOUTS: dict[type[BaseFilter], tuple[_Slot, ...]] = {}


def _layout(cls: type[BaseFilter]) -> tuple[_Slot, ...]:
    """``cls``'s fields in wire order, each with its parser; worked out once per class."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        layout = _LAYOUTS[cls] = _resolve(cls)
    return layout


def _resolve(cls: type[BaseFilter]) -> tuple[_Slot, ...]:
    slots: list[_Slot] = []
    names = {item.name for item in fields(cls) if item.init}
    for item in fields(cls):
        if not item.init:
            continue
        spec = _spec(cls, item)
        if spec.requires is not None and spec.requires not in names:
            raise TypeError(f"{cls.__name__}.{item.name}: requires unknown {spec.requires!r}")
        slot = _Slot(item.name, spec, spec.parser_for(cls))
        if spec.after is None:
            slots.append(slot)
            continue
        anchor = [index for index, other in enumerate(slots) if other.name == spec.after]
        if not anchor:
            raise TypeError(f"{cls.__name__}.{item.name}: after={spec.after!r} is not declared")
        slots.insert(anchor[0] + 1, slot)
    return tuple(slots)


def _spec(cls: type[BaseFilter], item: Field[Any]) -> Param:
    spec = item.metadata.get(Param)
    if not isinstance(spec, Param):
        raise TypeError(f"{cls.__name__}.{item.name}: declare filter fields with param()")
    return spec
