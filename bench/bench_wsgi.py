"""The benchmark's WSGI app: the real portal at / and a bare Flask hello route at /hello/.

Served by one gunicorn (`gunicorn -c gunicorn.conf.py bench.bench_wsgi:app`) so both routes
share the same workers, threads and settings; only the work done per request differs.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from config import config_from_env
from portal import create_app

portal = create_app(config_from_env())

hello = Flask("hello")


@hello.get("/")
def hello_world() -> str:
    return "hello"


app = DispatcherMiddleware(portal, {"/hello": hello})
