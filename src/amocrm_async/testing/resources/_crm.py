"""What leads, contacts and companies share: custom fields, tags, links, the trash, ``query=``.

:class:`CrmEntity` is the descriptor base of the three; the helpers below build their write
rules and seed data. A resource with none of this (tasks) subclasses ``EntityResource`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import TEXT_TYPES, FieldSpec, render_values
from amocrm_async.testing._links import add_link
from amocrm_async.testing._listing import (
    FilterBuilder,
    Predicate,
    custom_field_values,
    ids,
    ints_in,
    names,
    range_only,
)
from amocrm_async.testing._resource import EntityResource
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._tags import apply_tags
from amocrm_async.testing._writes import (
    Changes,
    Rule,
    custom_fields,
    embedded,
    embedded_links,
    embedded_tags,
    string,
    tags_to_add,
    tags_to_delete,
)
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES

__all__ = [
    "CRM_FILTERS",
    "CRM_READ_ONLY",
    "EMAIL",
    "PHONE",
    "CrmEntity",
    "Extra",
    "crm_rules",
]

CRM_READ_ONLY = frozenset(
    {
        "id",
        "group_id",
        "account_id",
        "is_deleted",
        "closest_task_at",
        "_links",
        "score",
        "is_unsorted",
    }
)

CRM_FILTERS: Mapping[str, FilterBuilder] = {
    "id": ids,
    "name": names,
    "created_by": ints_in("created_by"),
    "updated_by": ints_in("updated_by"),
    "responsible_user_id": ints_in("responsible_user_id"),
    "created_at": range_only("created_at"),
    "updated_at": range_only("updated_at"),
    "closest_task_at": range_only("closest_task_at"),
    "custom_fields_values": custom_field_values,
}

PHONE = FieldSpec(
    "multitext", "Телефон", "PHONE", ("WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER")
)
EMAIL = FieldSpec("multitext", "Email", "EMAIL", ("WORK", "PRIV", "OTHER"))


def crm_rules(
    text_fields: Iterable[str],
    links: Mapping[str, bool],
    *,
    fields: Mapping[str, Rule] | None = None,
    embedded_create: Mapping[str, Rule] | None = None,
) -> dict[str, Rule]:
    """Write rules of a CRM entity.

    ``links``: ``_embedded.<type>`` lists of existing entities linked on create (value: whether
    items may carry ``is_main``); ``fields`` / ``embedded_create``: the entity's own keys.
    """
    create_only = {
        **{to_type: embedded_links(to_type, with_main=main) for to_type, main in links.items()},
        **(embedded_create or {}),
    }
    return {
        **dict.fromkeys(text_fields, string),
        **AUTHORSHIP_RULES,
        "custom_fields_values": custom_fields,
        "tags_to_add": tags_to_add,
        "tags_to_delete": tags_to_delete,
        "_embedded": embedded({"tags": embedded_tags, **create_only}, create_only=create_only),
        **(fields or {}),
    }


class CrmEntity(EntityResource):
    """A lead, contact or company: custom fields, tags, links, the trash and ``query=``."""

    read_only = CRM_READ_ONLY
    filters = CRM_FILTERS
    tagged = True
    embedded_refs: ClassVar[Mapping[str, bool]] = {}
    """Linked types rendered in ``_embedded`` (value True: always, else only with ``with=``)."""

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        for field_id, values in changes.cf.items():
            if values is None:
                entity.cf.pop(field_id, None)
            else:
                entity.cf[field_id] = values
        account = call.account
        apply_tags(
            account,
            self.name,
            entity,
            changes.tags,
            changes.tags_add,
            changes.tags_del,
            call.ids.next,
        )
        for to_type, to_id, meta in changes.links:
            add_link(account, call.link_rules, (self.name, entity.id), (to_type, to_id), meta)

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        """To the trash: visible only with ``with=only_deleted``."""
        entity.data["is_deleted"] = True
        entity.data["updated_at"] = now

    def search(self, account: Account, text: str) -> Predicate:
        """A substring of the name or of a text-like custom field, or the id itself."""
        needle = text.strip().casefold()
        text_fields = {f.id for f in account.fields[self.name].values() if f.type in TEXT_TYPES}
        digits = needle.isdigit()

        def in_custom_fields(entity: Entity) -> bool:
            return any(
                isinstance(item.get("value"), str) and needle in item["value"].casefold()
                for field_id, values in entity.cf.items()
                if field_id in text_fields
                for item in values
            )

        def matches(entity: Entity) -> bool:
            if needle in str(entity.data.get("name", "")).casefold():
                return True
            return (digits and str(entity.id) == needle) or in_custom_fields(entity)

        return matches

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        definitions = account.fields[self.name]
        refs = [
            (to_type, to_type == self.links.main)
            for to_type, always in self.embedded_refs.items()
            if always or to_type in with_
        ]
        extra = self.extras(account, base, with_)
        catalog = "catalog_elements" in with_
        name, href = self.name, f"{base}{self.path}/"

        def render(entity: Entity) -> dict[str, Any]:
            out = dict(entity.data)
            out["custom_fields_values"] = render_values(definitions, entity.cf)
            embedded_json: dict[str, Any] = {"tags": [dict(t) for t in entity.tags]}
            for to_type, main in refs:
                linked = account.linked(name, entity.id, to_type)
                embedded_json[to_type] = _refs(base, to_type, linked, main)
            if extra is not None:
                extra(entity, out, embedded_json)
            if catalog:
                linked = account.linked(name, entity.id, "catalog_elements")
                embedded_json["catalog_elements"] = [{"id": i, "metadata": m} for i, m in linked]
            out["_links"] = {"self": {"href": f"{href}{entity.id}"}}
            out["_embedded"] = embedded_json
            return out

        return render

    def extras(self, account: Account, base: str, with_: frozenset[str]) -> Extra | None:
        """What the entity's own ``with=`` values add to a rendered entity (None: nothing)."""
        return None


Extra = Callable[[Entity, dict[str, Any], dict[str, Any]], None]
"""``extra(entity, out, embedded)`` adds keys to a rendered entity and its ``_embedded``."""


def _refs(
    base: str, to_type: str, linked: list[tuple[int, dict[str, Any] | None]], main: bool
) -> list[dict[str, Any]]:
    if not main:
        return [{"id": i, "_links": _self_href(base, to_type, i)} for i, _ in linked]
    return [
        {
            "id": i,
            "is_main": bool(meta and meta.get("is_main")),
            "_links": _self_href(base, to_type, i),
        }
        for i, meta in linked
    ]


def _self_href(base: str, entity_type: str, entity_id: int) -> dict[str, Any]:
    return {"self": {"href": f"{base}/api/v4/{entity_type}/{entity_id}"}}
