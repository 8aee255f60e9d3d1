"""Service classes, one module per amoCRM service; reach them through the client (``amo.leads``).

The capability mixins (``Gettable``, ``Listable``, ``CrudService`` …) are public so that an
application can declare a service the SDK does not have yet in a few lines.
"""

from .._service import *
from ._crm import *
from ._entity import *
from .account import *
from .calls import *
from .catalogs import *
from .chat_templates import *
from .chats import *
from .companies import *
from .contacts import *
from .currencies import *
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
from .products import *
from .roles import *
from .short_links import *
from .sources import *
from .subscriptions import *
from .tags import *
from .talks import *
from .tasks import *
from .unsorted import *
from .users import *
from .webhooks import *
from .website_buttons import *
from .widgets import *
