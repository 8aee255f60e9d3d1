"""The fake's resources, one module each; ``RESOURCES`` is what the registry is built from.

Every module here defines ``RESOURCE``, an instance of its descriptor. Adding a resource is
adding its module and one line to ``_MODULES``. The order matters twice: an account's reference
data is created in it (so ids stay stable), and ``fake.seed()`` seeds in it, so entities that
others link to (companies, contacts, leads) come before the ones that link to them (tasks).
"""

from __future__ import annotations

import importlib

from amocrm_async.testing._resource import Resource

__all__ = ["RESOURCES"]

_MODULES = (
    "roles",
    "users",
    "pipelines",
    "loss_reasons",
    "sources",
    "custom_fields",
    "tags",
    "account",
    "companies",
    "contacts",
    "leads",
    "tasks",
    "customer_statuses",
    "customer_segments",
    "customers",
    "transactions",
    "notes",
    "catalogs",
    "catalog_elements",
    "products",
    "unsorted",
    "events",
    "entity_files",
    "drive",
    "subscriptions",
    "contact_chats",
    "currencies",
    "widgets",
    "calls",
    "short_links",
    "talks",
    "website_buttons",
    "chat_templates",
    "webhooks",
)


def _load(module: str) -> Resource:
    resource = importlib.import_module(f"{__name__}.{module}").RESOURCE
    if not isinstance(resource, Resource):
        raise TypeError(f"{__name__}.{module}.RESOURCE is not a Resource")
    return resource


RESOURCES: tuple[Resource, ...] = tuple(_load(module) for module in _MODULES)
