"""The benchmark's WSGI app: the real portal at /, a bare Flask hello route at /hello/ and the
floor app (bench/floor_app.py: the portal's extension stack and nothing else) at /floor/.

Served by one gunicorn (`gunicorn -c gunicorn.conf.py bench.bench_wsgi:app`) so all three
share the same workers, threads and settings; only the work done per request differs. The
floor uses the portal's database URL, secret key and engine options; its tables are made by
the bench (floor_app.prepare) before the server starts.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.floor_app import create_floor_app
from config import config_from_env
from portal import create_app

portal = create_app(config_from_env())

hello = Flask("hello")


@hello.get("/")
def hello_world() -> str:
    return "hello"


floor = create_floor_app(
    portal.config["SQLALCHEMY_DATABASE_URI"],
    portal.config["SECRET_KEY"],
    portal.config["SQLALCHEMY_ENGINE_OPTIONS"],
)

app = DispatcherMiddleware(portal, {"/hello": hello, "/floor": floor})
