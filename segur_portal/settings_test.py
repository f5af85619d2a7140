"""Settings for the test suite: the production settings, with a throwaway secret key, a fast
password hasher, uploaded files and the embedded broker kept in temporary folders."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="segur-tests-")

# No collectstatic before the tests: serve static files (the DSFR) straight from the packages.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False

# Without REDIS_URL, a broker folder of this test run only: neither a `make run` nor another test
# run on this machine takes its tasks. Polled often, so that the test worker answers at once.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **options_broker_embarque(Path(tempfile.mkdtemp(prefix="segur-tests-broker-"))),  # noqa: F405
        "polling_interval": 0.1,
    }
