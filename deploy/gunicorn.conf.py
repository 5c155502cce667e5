"""gunicorn settings for the forum's production processes (docs/deploy.md).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py -k gevent -w 1 -b 127.0.0.1:8000   # one process
    .venv/bin/python deploy/serve.py --instances 2                                    # nginx + N of these

One gevent worker per process: Socket.IO long-polling sends every request of a session to the
process that created it, and gunicorn spreads connections over its workers with no regard for
that. More capacity means more *instances* behind nginx's sticky ``/socket.io/`` upstream
(deploy/nginx.conf.template), with ``REDIS_URL`` set so their Socket.IO servers share rooms.

gevent patches the worker before it imports the app, and ``app.realtime.async_mode()`` sees the
patch and picks Engine.IO's gevent driver (WebSocket via simple-websocket). An idle WebSocket or
long-poll is then a parked greenlet, not a blocked worker.

``QAFORUM_PROXY_HOPS`` (set by deploy/serve.py to 1): how many reverse proxies in front are
trusted to append to ``X-Forwarded-For``/``X-Forwarded-Proto``. Only then does the app see the
client's address (rate limits, the Socket.IO guard's per-address caps) instead of the proxy's.
Leave it unset when clients connect to gunicorn directly: they could write any address there.
"""
import os
from pathlib import Path

chdir = str(Path(__file__).resolve().parent.parent)  # the repository root: ``wsgi:app`` lives there
wsgi_app = "wsgi:app"
worker_class = "gevent"
workers = 1
# Open connections one process holds (idle WebSockets included); the Socket.IO guard caps what
# one client address or user may take of them.
worker_connections = int(os.environ.get("QAFORUM_WORKER_CONNECTIONS", "2000"))
bind = [os.environ.get("QAFORUM_BIND", "127.0.0.1:8000")]
# The worker heartbeat: with gevent a slow request does not stop it, only a blocked hub does.
timeout = 30
graceful_timeout = 20
# Longer than nginx's upstream keepalive_timeout (60 s, deploy/nginx.conf.template): nginx must
# drop an idle connection before gunicorn does, or a request sent as gunicorn closes it is lost
# (502). An idle keep-alive connection is a parked greenlet.
keepalive = 75
accesslog = os.environ.get("QAFORUM_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("QAFORUM_LOG_LEVEL", "info")


def post_worker_init(worker):
    hops = int(os.environ.get("QAFORUM_PROXY_HOPS", "0") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so that Socket.IO (which Flask-SocketIO mounts in front of Flask) sees it too.
        worker.wsgi = ProxyFix(worker.wsgi, x_for=hops, x_proto=hops)
        worker.log.info("trusting %d proxy hop(s) for X-Forwarded-For and X-Forwarded-Proto", hops)
