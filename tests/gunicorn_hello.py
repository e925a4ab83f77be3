"""A tiny WSGI app for tests/test_gunicorn.py: gunicorn with the repo's gunicorn.conf.py
serves it, so that what is tested is the server's settings (how workers share the listening
socket), not the portal, whose worker takes seconds to boot."""

import os
import time


def app(environ, start_response):
    time.sleep(0.005)  # a little work, so that connections queue while a worker is busy
    body = f"ok {os.getpid()}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
