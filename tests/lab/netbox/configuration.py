"""NetBox configuration for the routesec local lab (loopback only, never production).

tests/lab/netbox.sh copies this file to NETBOX_ROOT/conf/configuration.py inside the
Debian trixie root on every `up`. Secrets are generated once per root and read from
files next to NETBOX_ROOT; the database name can be overridden with NETBOX_DB_NAME so the
same configuration migrates the scratch database used to build the cached dump.
"""

import os
from pathlib import Path

_LAB = Path(os.environ.get("ROUTESEC_LAB_HOME", "/opt/netbox"))


def _secret(name):
    return (_LAB / name).read_text().strip()


ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("NETBOX_DB_NAME", "netbox"),
        "USER": "netbox",
        "PASSWORD": "netbox",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        # Keep connections, but check them before reuse: `netbox.sh reset-db` swaps the
        # database underneath running workers.
        "CONN_MAX_AGE": 300,
        "CONN_HEALTH_CHECKS": True,
    }
}

REDIS = {
    "tasks": {
        "HOST": "127.0.0.1",
        "PORT": 6379,
        "USERNAME": "",
        "PASSWORD": "",
        "DATABASE": 0,
        "SSL": False,
    },
    "caching": {
        "HOST": "127.0.0.1",
        "PORT": 6379,
        "USERNAME": "",
        "PASSWORD": "",
        "DATABASE": 1,
        "SSL": False,
    },
}

SECRET_KEY = _secret("secret_key")
API_TOKEN_PEPPERS = {1: _secret("token_pepper")}

# The netbox-bgp plugin: BGP sessions, which routesec reads as routers' neighbours.
# tests/lab/netbox.sh installs the version it pins in the venv.
PLUGINS = ["netbox_bgp"]

# Large pages keep the collection's bulk reads cheap.
MAX_PAGE_SIZE = 10000
PAGINATE_COUNT = 100

# The lab has no outside network: never phone home.
ISOLATED_DEPLOYMENT = True
CENSUS_REPORTING_ENABLED = False
RELEASE_CHECK_URL = None

TIME_ZONE = "UTC"
DEBUG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
