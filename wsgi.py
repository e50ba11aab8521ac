"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from mediphant import create_app
from mediphant.web.observability import configure_logging

configure_logging()
app = create_app()
