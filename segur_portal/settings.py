"""Settings, all read from the environment (django-environ). README.md lists every variable.

Without DATABASE_URL the portal runs on a SQLite file under var/; without REDIS_URL
Celery uses kombu's filesystem transport under var/celery/<database>, so `make run` needs no server.
"""

import hashlib
from pathlib import Path

import environ
import structlog
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Origins (scheme + host) allowed to POST forms when the portal sits behind another host name,
# e.g. https://segur.asp-public.fr
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "segur_portal.admin_site.PortailAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "widget_tweaks",
    "dsfr",
    "crispy_forms",
    "django_filters",
    "django_tables2",
    "simple_history",
    "django_structlog",
    "health_check",
    "axes",
    "csp",
    "ninja",  # its Swagger UI from its own static files, not from a CDN
    "import_export",  # the admin « Référentiel ANS »: import (dry run, then confirmation) and export
    "demandes",
    "imports",
    "piecesjointes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in a query or a form (which PostgreSQL refuses) gets a 400 page, never a 500.
    "segur_portal.requetes.RequeteSansNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Binds request_id, user_id and ip to every log line of the request (and of the Celery tasks
    # it sends); the next one returns the request id to the client, for support.
    "django_structlog.middlewares.RequestMiddleware",
    "segur_portal.journal.IdentifiantRequeteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "segur_portal.securite.CachePriveMiddleware",
    # Last, as django-axes asks: refuses the login of a locked account+IP.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "segur_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "segur_portal.context_processors.site_config",
                "segur_portal.context_processors.nonce_csp",
            ],
        },
    },
]

WSGI_APPLICATION = "segur_portal.wsgi.application"

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web server and Celery worker share the file: wait for the other writer instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "demandes.Utilisateur"
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "connexion"

# The links to choose one's password (reset from the admin, activation of an enrolled supplier's
# first user or of an invited colleague) work three days (Django's default, stated: the e-mails say it).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login throttling (django-axes), on the portal's login and the admin's: after
# CONNEXION_ECHECS_MAX failures for one account from one address, that pair is locked for
# CONNEXION_BLOCAGE_MINUTES (or until a superuser deletes the attempt in the admin, or runs
# `manage.py axes_reset_username <identifiant>`). ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("CONNEXION_ECHECS_MAX", default=5)
AXES_COOLOFF_TIME = env.float("CONNEXION_BLOCAGE_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "segur_portal.securite.reponse_connexion_bloquee"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded and generated files (JSON files, output files, attachments) are private: they
# are stored through the storage API and only ever served by views that check ownership.
# There is deliberately no MEDIA_URL route.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "fichiers"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    # S3-compatible object storage (django-storages); credentials and endpoint come from
    # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT_URL.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Uploads are streamed to a temporary file on disk, never held in memory.
FILE_UPLOAD_HANDLERS = ["imports.televersement.LimitedTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# Limits of the JSON files (spec §2).
SEGUR_MAX_JSON_BYTES = env.int("SEGUR_MAX_JSON_BYTES", default=20 * 1024 * 1024)
SEGUR_MAX_LIGNES = env.int("SEGUR_MAX_LIGNES", default=10_000)
# Limits of the attachments (spec §6).
SEGUR_MAX_ZIP_BYTES = env.int("SEGUR_MAX_ZIP_BYTES", default=200 * 1024 * 1024)
SEGUR_MAX_PIECE_BYTES = env.int("SEGUR_MAX_PIECE_BYTES", default=3 * 1024 * 1024)
SEGUR_MAX_ENTREES_ZIP = env.int("SEGUR_MAX_ENTREES_ZIP", default=20_000)
# Files sent at once from a demande page in answer to a request for compléments (each one is
# checked like a zip's entry, SEGUR_MAX_PIECE_BYTES at most).
SEGUR_MAX_FICHIERS_COMPLEMENTS = env.int("SEGUR_MAX_FICHIERS_COMPLEMENTS", default=10)
# Calls of the API allowed per token (« N/min », « N/h »…), counted in the cache (shared by the web
# workers when REDIS_URL is set).
SEGUR_API_LIMITE = env("SEGUR_API_LIMITE", default="120/min")
# Recovery of the zip pipeline (docs/pannes.md): a zip waiting or in progress with no sign of life
# for SEGUR_ZIP_RELANCE_APRES seconds is sent again by the sweeper, which runs every
# SEGUR_REPRISE_PERIODE seconds; after SEGUR_ZIP_TENTATIVES_MAX attempts it is « En échec ».
SEGUR_ZIP_RELANCE_APRES = env.int("SEGUR_ZIP_RELANCE_APRES", default=120)
SEGUR_REPRISE_PERIODE = env.int("SEGUR_REPRISE_PERIODE", default=60)
SEGUR_ZIP_TENTATIVES_MAX = env.int("SEGUR_ZIP_TENTATIVES_MAX", default=3)
# Files of zips refused or « En échec » are deleted from the storage after this many days (the row
# and its reasons stay); and each supplier may occupy at most this many bytes (zips + pieces).
SEGUR_RETENTION_ZIPS_REFUSES_JOURS = env.int("SEGUR_RETENTION_ZIPS_REFUSES_JOURS", default=30)
SEGUR_QUOTA_STOCKAGE_OCTETS = env.int("SEGUR_QUOTA_STOCKAGE_OCTETS", default=5 * 1024**3)
# The longest a zip may take (20 000 entries on a slow object storage): the Redis broker
# redelivers an unacknowledged task only after it.
SEGUR_ZIP_DUREE_MAX = env.int("SEGUR_ZIP_DUREE_MAX", default=900)

# E-mail notifications (demandes.notifications, demandes.tasks): a mail not sent is tried again
# by the sweep every SEGUR_NOTIFICATIONS_RELANCE_PERIODE seconds, at most
# SEGUR_NOTIFICATIONS_TENTATIVES_MAX times; the managers' digest leaves at SEGUR_RESUME_QUOTIDIEN_HEURE
# (Paris). The links in the mails start with SEGUR_URL_PORTAIL (the portal's public address).
SEGUR_URL_PORTAIL = env("SEGUR_URL_PORTAIL", default="http://localhost:8000").rstrip("/")
SEGUR_NOTIFICATIONS_RELANCE_PERIODE = env.int("SEGUR_NOTIFICATIONS_RELANCE_PERIODE", default=300)
SEGUR_NOTIFICATIONS_TENTATIVES_MAX = env.int("SEGUR_NOTIFICATIONS_TENTATIVES_MAX", default=8)
SEGUR_RESUME_QUOTIDIEN_HEURE = env.int("SEGUR_RESUME_QUOTIDIEN_HEURE", default=7)
# A mail server that does not answer must not hold a worker (and the notification's row lock)
# forever: the send fails after EMAIL_TIMEOUT seconds and is retried.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Celery: Redis when REDIS_URL is set, otherwise an embedded filesystem broker.
REDIS_URL = env("REDIS_URL", default="")
# The cache (the API's rate per token): Redis when REDIS_URL is set, shared by every web worker;
# otherwise each process counts on its own (development).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "segur",
        }
    }
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")

# --- Throttle of the public request for access (« Demander un accès », demandes.enrolement): the POSTs
# of its pages (deposit, « Renvoyer le courriel de confirmation », confirmation, complément) from one
# client address, SEGUR_LIMITE_DEMANDES_ACCES per window (« 5/h »: 5 an hour), counted by
# django-ratelimit in the cache above — Redis, shared by every web worker, when REDIS_URL is set;
# otherwise Django's per-process locmem cache, enough for the single process of development and
# tests. django_ratelimit is not an installed app (only its functions are used), so its system
# checks, which refuse locmem and do not know Django's own RedisCache, do not run. Behind a reverse
# proxy, RATELIMIT_IP_META_KEY names the request header that carries the client's address (e.g.
# HTTP_X_REAL_IP, set by the proxy); by default REMOTE_ADDR. ---
SEGUR_LIMITE_DEMANDES_ACCES = env("SEGUR_LIMITE_DEMANDES_ACCES", default="5/h")
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)

# --- Retention of the requests for access: a request whose contact never followed the confirmation
# link is deleted (row, history, RIB: personal data nobody proved theirs) this many days after its
# deposit (demandes.enrolement.purge, daily). More than the link's validity
# (liens.VALIDITE_CONFIRMATION, 48 h): a contact who confirms late, or from a link sent again from
# the « Demande enregistrée » page, still finds his request; the service never uses less than that
# validity plus a day, whatever this says. ---
SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS = env.int("SEGUR_RETENTION_DEMANDES_NON_CONFIRMEES_JOURS", default=7)


def options_broker_embarque(dossier: Path) -> dict:
    """kombu's filesystem transport in `dossier` (created): queue, processed and control folders."""
    for sous_dossier in ("queue", "processed", "control"):
        (dossier / sous_dossier).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(dossier / "queue"),
        "data_folder_out": str(dossier / "queue"),
        "processed_folder": str(dossier / "processed"),
        "control_folder": str(dossier / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder per database: two `make run` on two databases must not take each other's tasks
    # (a task names rows of its own database).
    _base = DATABASES["default"]
    _identite_base = "|".join(str(_base.get(cle) or "") for cle in ("ENGINE", "HOST", "PORT", "NAME"))
    _dossier_celery = VAR_DIR / "celery" / hashlib.sha256(_identite_base.encode()).hexdigest()[:16]
    CELERY_BROKER_TRANSPORT_OPTIONS = options_broker_embarque(_dossier_celery)
else:
    _dossier_celery = VAR_DIR / "celery"
    _dossier_celery.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": SEGUR_ZIP_DUREE_MAX}
# A broker down must not hold a request: fail fast, the row stays the outbox (docs/pannes.md).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BEAT_SCHEDULE = {
    "relancer-zips-bloques": {
        "task": "piecesjointes.tasks.relancer_zips_bloques",
        "schedule": SEGUR_REPRISE_PERIODE,
        # A sweep not taken in time is replaced by the next one, not piled up.
        "options": {"expires": SEGUR_REPRISE_PERIODE},
    },
    "purger-zips-refuses": {
        "task": "piecesjointes.tasks.purger_zips_refuses",
        "schedule": crontab(hour=3, minute=30),
    },
    # E-mail notifications (demandes.tasks): the unsent ones sent again (broker down when the
    # decision committed, a worker lost, a mail server refusing), and the managers' daily digest
    # of the previous day's deposits (Paris time: Celery takes Django's TIME_ZONE).
    "relancer-notifications": {
        "task": "demandes.tasks.relancer_notifications",
        "schedule": SEGUR_NOTIFICATIONS_RELANCE_PERIODE,
        "options": {"expires": SEGUR_NOTIFICATIONS_RELANCE_PERIODE},
    },
    "resume-quotidien": {
        "task": "demandes.tasks.resume_quotidien",
        "schedule": crontab(hour=SEGUR_RESUME_QUOTIDIEN_HEURE, minute=0),
    },
    # The requests for access never confirmed, forgotten (demandes.enrolement.purge).
    "purger-demandes-non-confirmees": {
        "task": "demandes.tasks.purger_demandes_non_confirmees",
        "schedule": crontab(hour=3, minute=45),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(_dossier_celery / "beat-schedule")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The worker logs through the LOGGING below (JSON in production), not through Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# An X-Request-ID sent by the client is kept only behind a proxy that sets or overwrites it.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("LOG_TRUST_REQUEST_ID", default=False)

# A status goes back only through the checked transitions, never by reverting a history row.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = ["dsfr_crispy"]
CRISPY_TEMPLATE_PACK = "dsfr_crispy"

DJANGO_TABLES2_TEMPLATE = "django_tables2/dsfr.html"

# --- HTTPS and cookies (README, « Mise en production »). Secure by default outside DEBUG. ---
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer probes the health endpoint over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^sante/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a reverse proxy that terminates TLS: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
# (only if the proxy always sets or overwrites that header).
SECURE_PROXY_SSL_HEADER = tuple(env.list("SECURE_PROXY_SSL_HEADER", default=[])) or None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# django-import-export (admin « Référentiel ANS »): importing needs the model's « change » permission
# (the admin also requires « add », demandes.admin.ReferentielAnsAdmin), exporting its « view ».
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Each import is one transaction: a file with a refused line writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The file between the dry run and the confirmation waits in the portal's own storage (the disk's
# MEDIA_ROOT, or S3 in production), not in one host's temporary folder: the confirmation may reach
# another web worker, on another host.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- Content-Security-Policy (django-csp): only the portal's own files; the few inline scripts
# carry the request's nonce (DSFR's loader too); no inline style, no plugin, no framing. ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the portal never uses, refused to every page (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "usb",
    )
}

# --- E-mail: printed on the console unless EMAIL_URL names a server,
# e.g. smtp+tls://utilisateur:motdepasse@smtp.example.fr:587 ---
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Portail Ségur numérique <ne-pas-repondre@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Logs: one structured line per event (JSON outside DEBUG), with request_id, user_id and ip
# bound by django-structlog; business events are written by segur_portal.journal. ---
LOG_FORMAT = env("LOG_FORMAT", default="console" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
_PREPARATION_STRUCTLOG = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
            "foreign_pre_chain": _PREPARATION_STRUCTLOG,
        },
        "console": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            "foreign_pre_chain": _PREPARATION_STRUCTLOG,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_PREPARATION_STRUCTLOG,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

# --- Health endpoint (/sante/): database, storage, broker, Celery worker. ---
SANTE_DELAI_PING_WORKER = env.float("SANTE_DELAI_PING_WORKER", default=2.0)
