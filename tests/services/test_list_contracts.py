"""The list contract for every issue-9 read that is not an int-keyed entity service: events,
the files of each entity, subscriptions of leads and customers, mass links of each entity, and
the custom-field groups of each owner (their special methods are tested in their own modules)."""

from __future__ import annotations

from typing import Any

from amocrm_async import AmoCRMClient
from amocrm_async.filters import LinksFilter

from .contract import ListContract, ListSpec

UUID = "6cbab3d5-c4c1-46ff-b710-ad59ad{:06d}"


class TestEventsListContract(ListContract):
    spec = ListSpec(
        locate=lambda amo: amo.events,
        path="/api/v4/events",
        embedded_key="events",
        item=lambda i: {"id": f"01pz{i:04d}", "type": "lead_added", "entity_id": i + 1},
        key=lambda item: item["id"],
        max_limit=100,
        get_one=lambda item: str(item["id"]),
    )


def files_spec(entity: str) -> ListSpec:
    return ListSpec(
        locate=lambda amo: getattr(amo, entity).files(5),
        path=f"/api/v4/{entity}/5/files",
        embedded_key="files",
        item=lambda i: {"file_uuid": UUID.format(i), "id": i + 1},
        key=lambda item: item["file_uuid"],
    )


class TestLeadFilesContract(ListContract):
    spec = files_spec("leads")


class TestContactFilesContract(ListContract):
    spec = files_spec("contacts")


class TestCompanyFilesContract(ListContract):
    spec = files_spec("companies")


class TestCustomerFilesContract(ListContract):
    spec = files_spec("customers")


def subscriptions_spec(entity: str) -> ListSpec:
    return ListSpec(
        locate=lambda amo: getattr(amo, entity).subscriptions(7),
        path=f"/api/v4/{entity}/7/subscriptions",
        embedded_key="subscriptions",
        item=lambda i: {"subscriber_id": i + 1, "type": "user" if i % 2 else "group"},
        key=lambda item: (item["subscriber_id"], item["type"]),
    )


class TestLeadSubscriptionsContract(ListContract):
    spec = subscriptions_spec("leads")


class TestCustomerSubscriptionsContract(ListContract):
    spec = subscriptions_spec("customers")


def links_spec(entity: str, target: str) -> ListSpec:
    def item(i: int) -> dict[str, Any]:
        return {
            "entity_id": 1,
            "entity_type": entity,
            "to_entity_id": i + 1,
            "to_entity_type": target,
        }

    return ListSpec(
        locate=lambda amo: getattr(amo, entity).links,
        path=f"/api/v4/{entity}/links",
        embedded_key="links",
        item=item,
        key=lambda link: (link["entity_id"], link["to_entity_id"], link["to_entity_type"]),
        arguments=lambda: {"filter": LinksFilter(entity_ids=[1], to_entity_type=target)},
        query=(("filter[to_entity_type]", target), ("filter[entity_id][0]", "1")),
    )


class TestLeadLinksContract(ListContract):
    spec = links_spec("leads", "contacts")


class TestContactLinksContract(ListContract):
    spec = links_spec("contacts", "companies")


class TestCompanyLinksContract(ListContract):
    spec = links_spec("companies", "leads")


class TestCustomerLinksContract(ListContract):
    spec = links_spec("customers", "catalog_elements")


def groups_spec(owner: str, path: str) -> ListSpec:
    def locate(amo: AmoCRMClient) -> Any:
        if owner == "catalogs":
            return amo.catalogs.custom_fields(1001).groups
        return getattr(amo, owner).custom_fields.groups

    return ListSpec(
        locate=locate,
        path=path,
        embedded_key="custom_field_groups",
        item=lambda i: {"id": f"{owner}_{1600000000 + i}", "name": f"Group {i}", "sort": i},
        key=lambda group: group["id"],
        paged=False,
        get_one=lambda group: str(group["id"]),
    )


class TestLeadFieldGroupsContract(ListContract):
    spec = groups_spec("leads", "/api/v4/leads/custom_fields/groups")


class TestContactFieldGroupsContract(ListContract):
    spec = groups_spec("contacts", "/api/v4/contacts/custom_fields/groups")


class TestCompanyFieldGroupsContract(ListContract):
    spec = groups_spec("companies", "/api/v4/companies/custom_fields/groups")


class TestCustomerFieldGroupsContract(ListContract):
    spec = groups_spec("customers", "/api/v4/customers/custom_fields/groups")


class TestCatalogFieldGroupsContract(ListContract):
    spec = groups_spec("catalogs", "/api/v4/catalogs/1001/custom_fields/groups")
