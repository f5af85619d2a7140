"""pytest marks shared by the suite."""

import pytest
from django.conf import settings

SUR_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))


def postgres_seulement(raison: str):
    """Skips the test on SQLite (the CI runs on PostgreSQL): real concurrency, PostgreSQL's limits…"""
    return pytest.mark.skipif(not SUR_POSTGRES, reason=raison)
