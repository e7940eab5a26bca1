"""WSGI entry point for the HTTP server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autarcie.settings")
application = get_wsgi_application()
