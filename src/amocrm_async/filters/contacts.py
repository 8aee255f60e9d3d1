"""Filter for ``GET /api/v4/contacts``, wire-compatible with the PHP ``ContactsFilter``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async.filters._entity import EntityFilter

__all__ = ["ContactsFilter"]


@dataclass(frozen=True, kw_only=True)
class ContactsFilter(EntityFilter):
    """Filter for the contacts list: the leads parameters minus price, closed_at, statuses
    and pipeline_ids (see :class:`~amocrm_async.filters.LeadsFilter` for each one).

    >>> from amocrm_async.filters import ContactsFilter
    >>> ContactsFilter(names="Ivan", responsible_user_ids=[7], order="id").to_query()
    [('filter[name][0]', 'Ivan'), ('filter[responsible_user_id][0]', '7'), ('order[id]', 'asc')]

    ``query`` searches names, phones and e-mails; ``order`` takes ``created_at``,
    ``updated_at`` or ``id``.
    """
