# gunicorn settings for the routesec lab NetBox (see tests/lab/netbox.sh).
# Loopback only; 3 workers x 2 threads suits the 2-core lab machine.
bind = "127.0.0.1:8000"
workers = 3
threads = 2
timeout = 120
graceful_timeout = 10
max_requests = 5000
max_requests_jitter = 500
accesslog = None
errorlog = "-"
loglevel = "info"
# No gunicornc control socket (it would live in the root's /root/.gunicorn).
control_socket_disable = True

# Load NetBox once in the master and fork the workers from it: a much faster start.
preload_app = True


def when_ready(server):
    """Runs in the master after the preload, before any worker is forked: drop any
    database connection opened while loading, so that no socket is shared by workers."""
    from django.db import connections

    connections.close_all()
