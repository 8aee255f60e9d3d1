"""Typed models of amoCRM entities, custom-field values and HAL pages.

Every model parses responses leniently (unknown fields are kept, never fatal) and produces its
write payload with ``to_api()``; see :class:`AmoModel` for the rules. Each module lists its
public names in ``__all__``; this package re-exports all of them.
"""

from ._base import *
from ._hal import *
from .account import *
from .calls import *
from .catalogs import *
from .chat_templates import *
from .chats import *
from .companies import *
from .contacts import *
from .currencies import *
from .custom_field_definitions import *
from .custom_fields import *
from .customers import *
from .drive import *
from .events import *
from .files import *
from .leads import *
from .links import *
from .loss_reasons import *
from .notes import *
from .pipelines import *
from .rights import *
from .roles import *
from .short_links import *
from .sources import *
from .tags import *
from .talks import *
from .tasks import *
from .unsorted import *
from .users import *
from .webhooks import *
from .website_buttons import *
from .widgets import *
from .with_names import *
