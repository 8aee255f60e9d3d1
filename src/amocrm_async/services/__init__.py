"""Service classes, one module per amoCRM service; reach them through the client (``amo.leads``)."""

from .leads import LeadsService

__all__ = ["LeadsService"]
