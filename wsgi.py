"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import gc

from mediphant import create_app
from mediphant.web.observability import configure_logging

configure_logging()
app = create_app()
# Everything loaded so far lives as long as the worker: keep it out of the garbage
# collector's full passes (which otherwise stall a request for 30-45 ms now and then).
gc.freeze()
