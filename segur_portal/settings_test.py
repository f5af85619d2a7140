"""Settings for the test suite: the production settings, with a throwaway secret key, a fast
password hasher and uploaded files kept in a temporary folder."""
import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="segur-tests-")

# No collectstatic before the tests: serve static files (the DSFR) straight from the packages.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
