"""gunicorn settings: threaded workers, every value overridable from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# One listening socket, opened by the master and shared by every worker: a connection waits
# in its queue until a live worker takes it. Never SO_REUSEPORT (reuse_port = True): each worker
# would open a socket of its own, and the connections queued on a worker that exits (after
# max_requests, or on a reload by HUP) would be reset (tests/test_gunicorn.py).
reuse_port = False
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
# Workers are replaced after this many requests (plus up to the jitter, so not all at once).
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
# The path without its query string, and no referrer: a provider's delivery report carries the
# resident's phone number in its query, a search its words; neither belongs in a log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
