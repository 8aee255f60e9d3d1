"""The ``amocrm-async`` command's parts (``amocrm_async.cli`` keeps ``main``)."""
