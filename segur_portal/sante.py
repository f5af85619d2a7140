"""Health endpoint (/sante/) for the load balancer and the docker-compose healthchecks:
database, file storage, Celery broker and at least one Celery worker answering a ping.
200 when every check is up, 500 otherwise (django-health-check); ?format=json for machines."""

import dataclasses
import datetime
import os
from pathlib import Path

from django.conf import settings
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class BrokerEmbarque(HealthCheck):
    """kombu's filesystem broker (no REDIS_URL): its queue folder must exist and be writable."""

    def run(self):
        dossier = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not (dossier.is_dir() and os.access(dossier, os.W_OK)):
            raise ServiceUnavailable("Dossier du broker embarqué absent ou non accessible en écriture")


@dataclasses.dataclass
class BrokerRedis(HealthCheck):
    """The Redis broker answers a PING (its URL, which may hold a password, stays out of the report)."""

    def run(self):
        from redis import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except RedisError as erreur:
            raise ServiceUnavailable(f"Broker Redis injoignable ({type(erreur).__name__})") from erreur
        finally:
            client.close()


def controles():
    broker = BrokerEmbarque if settings.CELERY_BROKER_URL.startswith("filesystem://") else BrokerRedis
    delai = datetime.timedelta(seconds=settings.SANTE_DELAI_PING_WORKER)
    return [Database, Storage, broker, (Ping, {"timeout": delai, "limit": 1})]


class SanteView(HealthCheckView):
    def get_checks(self):
        self.checks = controles()  # read at request time: settings may differ per deployment and test
        return super().get_checks()
