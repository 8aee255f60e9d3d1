"""Argument normalisation shared by every list filter: one parser per kind of parameter.

Each parser normalises its argument the way the matching PHP setter does, so that the same
input yields the same query bytes as ``amocrm/amocrm-api-php``. Every parser has the shape
``parse(value, param) -> PhpValue``: ``value`` is what the caller passed (``None`` means
"not given" and gives ``None``), ``param`` is the keyword name used in error messages, and
the result is what PHP would store under the wire key (``None``: send nothing). Our rule for
bad input:

* a value of the wrong *type* (outside the annotation) raises :class:`TypeError` naming the
  parameter: PHP would silently drop it, which widens the query without anyone noticing;
* a value of the right type that PHP discards (a negative id, an empty name) is discarded
  the same way, and the surviving list entries keep their original indices, as PHP's
  ``array_filter`` does; but a parameter left with *nothing* (``ids=[-1]``, ``names=[""]``,
  ``price=-1``, ``query=""``) raises :class:`ValueError` in the filter: PHP sends no
  condition then, which selects the whole account;
* structural mistakes (an order field the endpoint cannot sort by, a range with no usable
  bound, a naive datetime, a value outside a fixed set) raise :class:`ValueError` naming
  the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple, TypeAlias, TypeVar

from amocrm_async._phpquery import PhpMapping, PhpValue

__all__ = [
    "CustomFieldValue",
    "CustomFieldsInput",
    "Direction",
    "IdsInput",
    "IntOrRange",
    "NamesInput",
    "Order",
    "OrderInput",
    "Range",
    "SortOrder",
    "TimeOrRange",
    "one_of",
    "parse_bool",
    "parse_custom_fields",
    "parse_ids",
    "parse_int_or_range",
    "parse_names",
    "parse_order",
    "parse_query",
    "parse_time_or_range",
]


class SortOrder(StrEnum):
    """The direction of ``order[field]`` (PHP ``HasOrderInterface::SORT_ASC``/``SORT_DESC``)."""

    ASC = "asc"
    DESC = "desc"


Direction: TypeAlias = Literal["asc", "desc"] | SortOrder

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_DIRECTIONS: frozenset[str] = frozenset({"asc", "desc"})


def is_int(value: object) -> bool:
    """``int`` but not ``bool`` (PHP's ``is_numeric(true)`` is false)."""
    return isinstance(value, int) and not isinstance(value, bool)


def to_unix(value: datetime, param: str) -> int:
    """Whole UNIX seconds for an aware datetime (floor, like PHP's ``getTimestamp``).

    Naive datetimes are refused: guessing the local zone silently shifts the window.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{param}: datetime must be timezone-aware, got naive {value!r}")
    return (value - _EPOCH) // _ONE_SECOND


def _bound(value: object, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = to_unix(value, param)
    if not is_int(value):
        raise TypeError(f"{param}: range bound must be int or datetime, not {type(value).__name__}")
    assert isinstance(value, int)
    return value if value >= 0 else None


@dataclass(frozen=True, init=False, slots=True)
class Range:
    """A ``from``/``to`` window, sent as ``[from]=…&[to]=…``.

    Mirrors PHP's ``BaseRangeFilter``: a negative bound is ignored (left unset). Datetimes
    are converted to UNIX seconds. Unlike PHP, a half-open range is allowed and only the set
    bound is sent (PHP raises ``TypeError`` from ``getFrom(): int`` when a bound is unset),
    which is how "updated since X" is expressed. A range with no usable bound at all raises
    :class:`ValueError`, because sending nothing would quietly drop the condition.
    """

    from_: int | None
    to: int | None

    def __init__(
        self, from_: int | datetime | None = None, to: int | datetime | None = None
    ) -> None:
        lower = _bound(from_, "Range.from_")
        upper = _bound(to, "Range.to")
        if lower is None and upper is None:
            raise ValueError(
                f"Range: needs at least one non-negative bound, got from_={from_!r}, to={to!r}"
            )
        object.__setattr__(self, "from_", lower)
        object.__setattr__(self, "to", upper)

    def to_php(self) -> dict[str | int, PhpValue]:
        """The ``['from' => …, 'to' => …]`` array PHP's ``toFilter()`` builds (key order kept)."""
        return {"from": self.from_, "to": self.to}


class Order(NamedTuple):
    """Sort order: ``order[field]=direction``; amoCRM accepts a single key."""

    field: str
    direction: Direction = "asc"


IdsInput: TypeAlias = int | Iterable[int]
NamesInput: TypeAlias = str | Iterable[str]
IntOrRange: TypeAlias = int | Range
TimeOrRange: TypeAlias = int | datetime | Range
OrderInput: TypeAlias = Order | tuple[str, str] | str

CustomFieldScalar: TypeAlias = str | int | float | bool | datetime
CustomFieldValue: TypeAlias = "Range | CustomFieldScalar | Sequence[CustomFieldScalar] | PhpMapping"
CustomFieldsInput: TypeAlias = Mapping[int, CustomFieldValue]


def _type_name(value: object) -> str:
    return type(value).__name__


def parse_ids(
    value: IdsInput | None,
    param: str,
    *,
    positive: bool = False,
    unique: bool = False,
    strict: bool = False,
) -> dict[str | int, PhpValue] | None:
    """PHP ``parseArrayOrNumberFilter``: scalar → one-item list, negatives dropped, indices kept.

    ``positive``/``unique`` give ``setPipelineIds``' variant (``> 0``, ``array_unique``,
    which keeps the first occurrence and its index). ``strict`` raises :class:`ValueError`
    for an id below the minimum instead of dropping it: for keys PHP sends as given, where
    dropping the only id would quietly widen the query.
    """
    if value is None:
        return None
    items: Iterable[object] = [value] if is_int(value) else _iterable(value, param, "int")
    out: dict[str | int, PhpValue] = {}
    seen: set[int] = set()
    for index, item in enumerate(items):
        if not is_int(item):
            raise TypeError(f"{param}: expected int items, got {_type_name(item)} at {index}")
        assert isinstance(item, int)
        low = 1 if positive else 0
        if item < low and strict:
            raise ValueError(f"{param}: ids must be >= {low}, got {item} at {index}")
        if item < low or (unique and item in seen):
            continue
        seen.add(item)
        out[index] = item
    return out or None


def parse_names(value: NamesInput | None, param: str) -> dict[str | int, PhpValue] | None:
    """PHP ``parseArrayOrStringFilter``: scalar → one-item list, empty strings dropped."""
    if value is None:
        return None
    items: Iterable[object] = [value] if isinstance(value, str) else _iterable(value, param, "str")
    out: dict[str | int, PhpValue] = {}
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{param}: expected str items, got {_type_name(item)} at {index}")
        if item:
            out[index] = item
    return out or None


def parse_int_or_range(value: IntOrRange | None, param: str) -> PhpValue:
    """PHP ``parseIntOrIntRangeFilter``: a non-negative int or a range; a negative int is unset."""
    return _int_or_range(value, param, allow_datetime=False)


def parse_time_or_range(value: TimeOrRange | None, param: str) -> PhpValue:
    """:func:`parse_int_or_range` that also takes an aware datetime (sent as UNIX seconds)."""
    return _int_or_range(value, param, allow_datetime=True)


def _int_or_range(value: object, param: str, *, allow_datetime: bool) -> PhpValue:
    if value is None:
        return None
    if isinstance(value, Range):
        return value.to_php()
    if allow_datetime and isinstance(value, datetime):
        value = to_unix(value, param)
    if not is_int(value):
        expected = "int, datetime or Range" if allow_datetime else "int or Range"
        raise TypeError(f"{param}: expected {expected}, got {_type_name(value)}")
    assert isinstance(value, int)
    return value if value >= 0 else None


def parse_custom_fields(
    value: CustomFieldsInput | None, param: str
) -> dict[str | int, PhpValue] | None:
    """PHP ``setCustomFieldsValues``: range → from/to, list kept as is, scalar → ``[scalar]``.

    Datetimes (top-level values and list items) become UNIX seconds, which is what date
    custom fields are filtered by. Nested mappings are passed through untouched.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{param}: expected a mapping of field id to value, got {_type_name(value)}"
        )
    out: dict[str | int, PhpValue] = {}
    for field_id, item in value.items():
        if not is_int(field_id):
            raise TypeError(f"{param}: field ids must be int, got {field_id!r}")
        if field_id <= 0:
            raise ValueError(f"{param}: field ids must be positive, got {field_id!r}")
        where = f"{param}[{field_id}]"
        if isinstance(item, Range):
            out[field_id] = item.to_php()
        elif isinstance(item, Mapping):
            out[field_id] = item
        elif isinstance(item, Sequence) and not isinstance(item, str | bytes | bytearray):
            out[field_id] = [_custom_field_scalar(v, where) for v in item]
        else:
            out[field_id] = [_custom_field_scalar(item, where)]
    return out


def _custom_field_scalar(value: object, param: str) -> str | int | float | bool:
    if isinstance(value, datetime):
        return to_unix(value, param)
    if isinstance(value, str | int | float):
        return value
    raise TypeError(f"{param}: expected str, int, float, bool or datetime, got {_type_name(value)}")


def parse_query(value: str | int | None, param: str = "query") -> str | None:
    """PHP ``setQuery``: str or int only; an "empty" value (``""``, ``"0"``, ``0``) is unset.

    The last point is PHP's ``empty()`` at work; we keep it so the bytes match.
    """
    if value is None:
        return None
    if not (isinstance(value, str) or is_int(value)):
        raise TypeError(f"{param}: expected str or int, got {_type_name(value)}")
    text = str(value)
    return None if text in ("", "0") else text


def parse_order(
    value: OrderInput | None, param: str = "order", *, sortable: frozenset[str] = frozenset()
) -> dict[str | int, PhpValue] | None:
    """Validate and normalise an order spec into PHP's ``[field => direction]``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = Order(value)
    if not (isinstance(value, tuple) and len(value) == 2):
        raise TypeError(f"{param}: expected Order, (field, direction) or field name, got {value!r}")
    field_name, direction = value
    if not isinstance(field_name, str) or field_name not in sortable:
        allowed = ", ".join(sorted(sortable))
        raise ValueError(f"{param}: cannot sort by {field_name!r}; sortable fields: {allowed}")
    if not isinstance(direction, str) or direction not in _DIRECTIONS:
        raise ValueError(f"{param}: direction must be 'asc' or 'desc', got {direction!r}")
    return {str.__str__(field_name): str.__str__(direction)}


def parse_bool(value: bool | None, param: str) -> bool | None:
    """A real ``bool`` (sent as ``1``/``0``); ``0``/``1`` ints and strings are refused."""
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{param}: expected bool, got {_type_name(value)}")


_Choice = TypeVar("_Choice", bound=str)


def one_of(*choices: _Choice) -> Callable[[_Choice | None, str], _Choice | None]:
    """A parser that accepts exactly one of ``choices`` (anything else: :class:`ValueError`)."""
    allowed = frozenset(choices)
    listed = ", ".join(map(repr, choices))

    def parse(value: _Choice | None, param: str) -> _Choice | None:
        if value is None or (isinstance(value, str) and value in allowed):
            return value
        raise ValueError(f"{param}: expected one of {listed}, got {value!r}")

    return parse


def _iterable(value: object, param: str, item: str) -> Iterable[object]:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray | Mapping):
        return value
    raise TypeError(f"{param}: expected {item} or an iterable of {item}, got {_type_name(value)}")


def check_positive(value: int | None, param: str) -> None:
    if value is None:
        return
    if not is_int(value):
        raise TypeError(f"{param}: expected int, got {_type_name(value)}")
    if value < 1:
        raise ValueError(f"{param}: must be >= 1, got {value}")
