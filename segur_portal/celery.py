"""Celery application. The broker comes from settings: Redis in production, kombu's
filesystem transport (no server needed) when REDIS_URL is not set."""

import os

from celery import Celery
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segur_portal.settings")

app = Celery("segur_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task logs carry the task id and the request_id of the request that sent the task.
app.steps["worker"].add(DjangoStructLogInitStep)
