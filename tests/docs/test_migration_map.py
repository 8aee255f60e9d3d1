"""docs/migration-from-php.md: one row per public PHP method, and every Python name in it exists.

``php_methods.txt`` (next to this file) lists every public method of the PHP library's services,
client, OAuth helper and collections (api-surface.md §1.2, §4, §5, §5.39, §10.1), one
``Class::method`` a line. A method the API or the SDK has no counterpart for carries a marker
(``[not-available]``: §5.39 or the API refuses it; ``[php-only]``: PHP plumbing) and its row says
so with ``— (…)`` instead of a target.

A Python target is an expression rooted at ``amo`` (an ``AmoCRMClient`` on the fake) or at
``amocrm_async``: attributes are looked up, a call in the middle is made with its constant
arguments (``amo.pipelines.statuses(1).add``), a call at the end is only checked against the
signature (``amocrm_async.AmoCRMClient(user_agent=...)``), so nothing is sent.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import pytest

import amocrm_async
from amocrm_async import AmoCRMClient
from amocrm_async.testing import FakeAmoCRM

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "migration-from-php.md"
METHODS = Path(__file__).with_name("php_methods.txt")

METHOD_HEADER = ("PHP", "Python", "notes")
MARKERS = {"not-available", "php-only"}
NON_TARGET = "— ("
# Rows of these classes map to plain Python on lists, not to SDK names.
PLAIN_PYTHON_CLASSES = {"BaseApiCollection", "CurrenciesCollection"}
ROOTS = ("amo", "amocrm_async")

_LINE = re.compile(r"^(?P<name>[A-Za-z_\\]+::\w+)(?:\s+\[(?P<marker>[a-z-]+)\])?$")
_CODE = re.compile(r"`([^`]+)`")


@dataclasses.dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[str, ...]
    header: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"docs/migration-from-php.md:{self.line} {self.cells[0]}"


@dataclasses.dataclass(frozen=True)
class Doc:
    rows: list[Row]
    prose_spans: list[tuple[int, str]]
    code_blocks: list[tuple[int, str]]

    @property
    def method_rows(self) -> list[Row]:
        return [r for r in self.rows if r.header == METHOD_HEADER]


def load_methods() -> dict[str, str | None]:
    """``Class::method`` → marker, from php_methods.txt (duplicates are a test failure below)."""
    out: dict[str, str | None] = {}
    for number, raw in enumerate(METHODS.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        match = _LINE.match(text)
        assert match, f"php_methods.txt:{number}: not 'Class::method [marker]': {raw!r}"
        marker = match["marker"]
        assert marker is None or marker in MARKERS, f"php_methods.txt:{number}: marker {marker!r}"
        assert match["name"] not in out, f"php_methods.txt:{number}: {match['name']} twice"
        out[match["name"]] = marker
    return out


def _split_row(line: str) -> tuple[str, ...]:
    body = line.strip()
    assert body.startswith("|") and body.endswith("|"), line
    cells = re.split(r"(?<!\\)\|", body[1:-1])
    return tuple(c.strip().replace("\\|", "|") for c in cells)


def _is_table_start(lines: list[str], i: int) -> bool:
    return (
        lines[i].startswith("|")
        and i + 1 < len(lines)
        and lines[i + 1].startswith("|")
        and set(lines[i + 1]) <= set("|-: ")
    )


def parse_doc(text: str) -> Doc:
    """Tables (with their header), inline code outside tables, and fenced code blocks."""
    rows: list[Row] = []
    prose: list[tuple[int, str]] = []
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            start, i = i + 1, i + 1
            while not lines[i].startswith("```"):
                i += 1
            if line.strip() in ("```python", "```py"):
                blocks.append((start + 1, "\n".join(lines[start:i])))
        elif _is_table_start(lines, i):
            header = _split_row(line)
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = _split_row(lines[i])
                assert len(cells) == len(header), f"line {i + 1}: {len(cells)} cells"
                rows.append(Row(i + 1, cells, header))
                i += 1
            continue
        else:
            prose.extend((i + 1, span) for span in _CODE.findall(line))
        i += 1
    return Doc(rows, prose, blocks)


def php_name(row: Row) -> str:
    spans: list[str] = _CODE.findall(row.cells[0])
    assert len(spans) == 1, f"{row.label}: the PHP cell must be one `Class::method`"
    return spans[0]


# --------------------------------------------------------------------------- resolving targets


class TargetError(Exception):
    pass


_MISSING = object()


def _declared(cls: type, name: str) -> bool:
    """An instance attribute the class declares (dataclass/pydantic field, annotation, or
    constructor parameter), for targets such as ``amocrm_async.errors.APIError.request_id``."""
    if dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}:
        return True
    if name in getattr(cls, "model_fields", {}):
        return True
    if any(name in getattr(k, "__annotations__", {}) for k in cls.__mro__):
        return True
    try:
        return name in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _attribute(obj: Any, name: str) -> Any:
    value = getattr(obj, name, _MISSING)
    if value is not _MISSING:
        return value
    if isinstance(obj, ModuleType):
        try:
            return importlib.import_module(f"{obj.__name__}.{name}")
        except ModuleNotFoundError:
            pass
    if isinstance(obj, type) and _declared(obj, name):
        return _MISSING
    raise TargetError(f"{_describe(obj)} has no attribute {name!r}")


def _describe(obj: Any) -> str:
    if isinstance(obj, ModuleType):
        return f"module {obj.__name__}"
    if isinstance(obj, type):
        return f"class {obj.__name__}"
    return f"{type(obj).__name__} object"


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node


def is_rooted(span: str) -> bool:
    if span.split(".", 1)[0].split("(", 1)[0] in ROOTS:
        return True
    try:
        tree = ast.parse(span, mode="eval")
    except SyntaxError:
        return False
    node = _root(tree.body)
    return isinstance(node, ast.Name) and node.id in ROOTS


def resolve(span: str, roots: dict[str, Any]) -> Any:
    """Evaluate a target; raise TargetError naming the part that does not exist."""
    try:
        tree = ast.parse(span, mode="eval")
    except SyntaxError as exc:
        raise TargetError(f"not an expression: {exc.msg}") from None
    return _evaluate(tree.body, roots, final=True)


def _evaluate(node: ast.expr, roots: dict[str, Any], *, final: bool) -> Any:
    if isinstance(node, ast.Name):
        if node.id not in roots:
            raise TargetError(f"must start with one of {ROOTS}, not {node.id!r}")
        return roots[node.id]
    if isinstance(node, ast.Attribute):
        base = _evaluate(node.value, roots, final=False)
        if base is _MISSING:
            raise TargetError(f"cannot look up {node.attr!r} on a declared instance attribute")
        return _attribute(base, node.attr)
    if isinstance(node, ast.Call):
        func = _evaluate(node.func, roots, final=False)
        if not callable(func):
            raise TargetError(f"{ast.unparse(node.func)} is not callable")
        if final:
            _check_signature(func, node)
            return func
        if inspect.iscoroutinefunction(func):
            raise TargetError(f"{ast.unparse(node.func)} is a coroutine function, not a factory")
        args = [_constant(a) for a in node.args]
        kwargs = {k.arg: _constant(k.value) for k in node.keywords if k.arg is not None}
        return func(*args, **kwargs)
    raise TargetError(f"unsupported syntax {type(node).__name__} in a target")


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    raise TargetError(f"a call inside a target takes constants, not {ast.unparse(node)}")


def _check_signature(func: Any, call: ast.Call) -> None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    args = [...] * len(call.args)
    kwargs = {k.arg: ... for k in call.keywords if k.arg is not None}
    try:
        signature.bind_partial(*args, **kwargs)
    except TypeError as exc:
        raise TargetError(f"{ast.unparse(call.func)}{signature}: {exc}") from None


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def methods() -> dict[str, str | None]:
    return load_methods()


@pytest.fixture(scope="module")
def doc() -> Doc:
    return parse_doc(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def roots() -> Iterator[dict[str, Any]]:
    fake = FakeAmoCRM()
    amo = AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=fake.clock,
    )
    yield {"amo": amo, "amocrm_async": amocrm_async}
    anyio.run(amo.aclose)


# --------------------------------------------------------------------------- the checks


def test_the_php_list_is_the_whole_library(methods: dict[str, str | None]) -> None:
    """Spot checks that the list was not cut short (the full list is read from the PHP source)."""
    classes = Counter(name.split("::")[0] for name in methods)
    assert len(classes) >= 45, sorted(classes)
    for name in (
        "Leads::addComplex",
        "Leads::getLinks",
        "EntityNotes::getByParentId",
        "Customers\\Customers::setMode",
        "Leads\\Statuses::syncOne",
        "Files::uploadOne",
        "Sources\\WebsiteButtons::addOnlineChatAsync",
        "Chats\\Templates::updateReviewStatus",
        "AmoCRMApiClient::entitySubscriptions",
        "AmoCRMOAuth::parseBotDisposableToken",
        "BaseApiCollection::pluck",
    ):
        assert name in methods, f"{name} missing from php_methods.txt"
    assert methods["Account::get"] == "not-available"


_CRUD = "get getOne add addOne update updateOne syncOne"
_PAGES = "nextPage prevPage"
_LINKS = "link unlink getLinks"
_CONFIG = "getOne add addOne updateOne syncOne deleteOne"
# The ✓ cells of api-surface.md §5.39 (and its table of non-CRUD services), by PHP class.
WORKS_IN_PHP: dict[str, str] = {
    "Leads": f"{_CRUD} {_PAGES} {_LINKS} addComplex addOneComplex",
    "Contacts": f"{_CRUD} {_PAGES} {_LINKS} getChats linkChats",
    "Companies": f"{_CRUD} {_PAGES} {_LINKS}",
    "Customers\\Customers": f"{_CRUD} {_PAGES} {_LINKS} setMode",
    "Tasks": f"{_CRUD} {_PAGES}",
    "EntityNotes": f"{_CRUD} {_PAGES} getByParentId pin unpin",
    "EntityTags": f"get add addOne update updateOne {_PAGES}",
    "Catalogs": f"{_CRUD} {_PAGES}",
    "CatalogElements": f"{_CRUD} {_PAGES} {_LINKS}",
    "CustomFields": f"get {_CONFIG} {_PAGES}",
    "CustomFieldGroups": f"get {_CONFIG}",
    "Account": "getCurrent",
    "Roles": f"{_CRUD} deleteOne {_PAGES}",
    "Users": f"get getOne add addOne syncOne {_PAGES} activate deactivate",
    "Segments": f"get getOne addOne updateOne syncOne {_PAGES}",
    "Events": f"get getOne {_PAGES}",
    "EventTypes": "get",
    "Webhooks": "get subscribe unsubscribe",
    "Unsorted": f"get getOne add addOne syncOne {_PAGES} accept decline link summary",
    "Leads\\Pipelines": f"get {_CONFIG}",
    "Leads\\Statuses": f"get {_CONFIG}",
    "Leads\\LossReasons": f"get {_CONFIG}",
    "Customers\\Statuses": f"get {_CONFIG}",
    "Customers\\Transactions": "get getOne add addOne syncOne deleteOne",
    "Customers\\BonusPoints": "earnPoints redeemPoints",
    "Widgets": f"get getOne install uninstall {_PAGES}",
    "Calls": "add addOne",
    "Products": "settings updateSettings",
    "Links": "get add delete",
    "Files": f"get getOne updateOne syncOne deleteOne delete uploadOne {_PAGES}",
    "EntityFiles": "get add addOne deleteOne delete",
    "ShortLinks": "add addOne",
    "Talks": "getOne close",
    "Sources": f"{_CRUD} deleteOne delete",
    "Sources\\WebsiteButtons": f"get getOne createAsync updateAsync addOnlineChatAsync {_PAGES}",
    "Chats\\Templates": f"{_CRUD} deleteOne delete {_PAGES} sendOnReview updateReviewStatus",
    "EntitySubscriptions": f"getByParentId {_PAGES}",
    "Currencies": f"get {_PAGES}",
}


def test_what_works_in_php_is_listed_and_mapped(methods: dict[str, str | None]) -> None:
    """Every method §5.39 marks as working is in the list without a non-target marker."""
    wrong = []
    for cls, names in WORKS_IN_PHP.items():
        for method in names.split():
            name = f"{cls}::{method}"
            if name not in methods:
                wrong.append(f"{name}: works in PHP (§5.39) but is missing from php_methods.txt")
            elif methods[name] is not None:
                wrong.append(f"{name}: works in PHP (§5.39) but is marked [{methods[name]}]")
    services = {n.split("::")[0] for n in methods if n.endswith("::getLastRequestInfo")}
    unlisted = services - set(WORKS_IN_PHP) - {"AmoCRMApiRequest"}
    assert not unlisted, f"services missing from WORKS_IN_PHP: {sorted(unlisted)}"
    assert not wrong, "\n".join(wrong)


def test_every_php_method_has_exactly_one_row(doc: Doc, methods: dict[str, str | None]) -> None:
    names = Counter(php_name(r) for r in doc.method_rows)
    missing = [m for m in methods if names[m] == 0]
    twice = [m for m, n in names.items() if n > 1]
    unknown = [m for m in names if m not in methods]
    assert not missing, f"{len(missing)} PHP methods without a row: {', '.join(missing)}"
    assert not twice, f"rows repeated: {', '.join(twice)}"
    assert not unknown, f"rows for methods not in php_methods.txt: {', '.join(unknown)}"
    assert len(doc.method_rows) == len(methods)


def test_non_targets_are_exactly_the_marked_methods(
    doc: Doc, methods: dict[str, str | None]
) -> None:
    wrong = []
    for row in doc.method_rows:
        marker = methods.get(php_name(row))
        python = row.cells[1]
        if marker is None and python.startswith("—"):
            wrong.append(f"{row.label}: has a Python equivalent in the list but the row says —")
        elif marker == "not-available" and not python.startswith("— (not available"):
            wrong.append(f"{row.label}: marked not-available; the row must say so")
        elif marker == "php-only" and not python.startswith(NON_TARGET):
            wrong.append(f"{row.label}: marked php-only; the row must say '— (…)'")
    assert not wrong, "\n".join(wrong)


def test_every_row_points_somewhere(doc: Doc) -> None:
    """Service rows name SDK targets; collection rows give Python that compiles."""
    wrong = []
    for row in doc.method_rows:
        python = row.cells[1]
        if python.startswith(NON_TARGET):
            continue
        spans = _CODE.findall(python)
        if php_name(row).split("::")[0] in PLAIN_PYTHON_CLASSES:
            for span in spans:
                try:
                    compile(span, "<map>", "exec")
                except SyntaxError as exc:
                    wrong.append(f"{row.label}: `{span}` is not Python: {exc.msg}")
            if not spans:
                wrong.append(f"{row.label}: no Python given")
        elif not spans or not all(is_rooted(s) for s in spans):
            wrong.append(f"{row.label}: the Python cell must list `amo.…`/`amocrm_async.…` targets")
    assert not wrong, "\n".join(wrong)


def test_every_python_target_resolves(doc: Doc, roots: dict[str, Any]) -> None:
    failures = []
    for row in doc.rows:
        for cell in row.cells[1:]:
            for span in _CODE.findall(cell):
                if not is_rooted(span):
                    continue
                try:
                    resolve(span, roots)
                except TargetError as exc:
                    failures.append(f"{row.label} → `{span}`: {exc}")
    assert not failures, f"{len(failures)} targets do not exist:\n" + "\n".join(failures)


def test_names_in_the_prose_resolve(doc: Doc, roots: dict[str, Any]) -> None:
    failures = []
    for line, span in doc.prose_spans:
        if is_rooted(span):
            try:
                resolve(span, roots)
            except TargetError as exc:
                failures.append(f"docs/migration-from-php.md:{line} `{span}`: {exc}")
    assert not failures, "\n".join(failures)


def test_code_examples_compile(doc: Doc) -> None:
    assert doc.code_blocks, "the introduction has Python examples"
    for line, block in doc.code_blocks:
        try:
            compile(block, f"migration-from-php.md:{line}", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as exc:
            pytest.fail(f"docs/migration-from-php.md:{line + (exc.lineno or 1) - 1}: {exc.msg}")


# --------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ("amo.leads.no_such_method", "LeadsService object has no attribute 'no_such_method'"),
        ("amo.pipelines.statuses(1).nope", "StatusesService object has no attribute 'nope'"),
        ("amocrm_async.errors.NoSuchError", "module amocrm_async.errors has no attribute"),
        ("amocrm_async.AmoCRMClient(no_such_option=...)", "unexpected keyword argument"),
        ("amo.pipelines.statuses(pipeline_id).add", "takes constants"),
        ("amo.leads.get_one(1).id", "coroutine function"),
        ("amo.leads[0]", "unsupported syntax Subscript"),
        ("amo.leads.", "not an expression"),
    ],
)
def test_the_resolver_names_what_is_missing(span: str, message: str, roots: dict[str, Any]) -> None:
    assert is_rooted(span)
    with pytest.raises(TargetError, match=re.escape(message)):
        resolve(span, roots)


def test_the_resolver_accepts_real_targets(roots: dict[str, Any]) -> None:
    assert inspect.iscoroutinefunction(resolve("amo.pipelines.statuses(7).add", roots))
    assert resolve("amocrm_async.filters.LeadsFilter", roots).__name__ == "LeadsFilter"
    assert resolve("amocrm_async.AmoCRMClient(user_agent=...)", roots) is AmoCRMClient
    assert resolve("amocrm_async.errors.APIError.request_id", roots) is _MISSING
    assert resolve("amocrm_async.redis.RedisTokenStore", roots).__name__ == "RedisTokenStore"
    assert not is_rooted("items[0] if items else None")
    assert not is_rooted("amount.total")


def test_the_parser_reads_tables_and_markers(tmp_path: Path) -> None:
    parsed = parse_doc(
        "Intro `amo.leads`.\n\n"
        "| PHP | Python | notes |\n|---|---|---|\n"
        "| `A::b` | `amo.x` | a \\| b |\n"
        "| `A::c` | — (not available in the API) | |\n\n"
        "```python\nx = 1\n```\n"
    )
    assert [php_name(r) for r in parsed.method_rows] == ["A::b", "A::c"]
    assert parsed.method_rows[0].cells[2] == "a | b"
    assert parsed.prose_spans == [(1, "amo.leads")]
    assert parsed.code_blocks == [(9, "x = 1")]
