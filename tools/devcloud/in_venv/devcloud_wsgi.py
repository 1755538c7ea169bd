"""gunicorn's application: the WSGI module named by DEVCLOUD_WSGI_APP.

oslo.config parses sys.argv at import: gunicorn's arguments are hidden.
"""

import importlib
import os
import sys

sys.argv = sys.argv[:1]
module = os.environ['DEVCLOUD_WSGI_APP']
application = importlib.import_module(module).application
if module.startswith('neutron.'):
    # Until SQLAlchemy has configured its mappers, GET /v2.0/ports fails
    # ("'Port' has no attribute 'port_forwardings'").
    import sqlalchemy.orm

    sqlalchemy.orm.configure_mappers()
