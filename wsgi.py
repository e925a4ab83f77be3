"""The application object for gunicorn and `flask --app wsgi`."""

from config import config_from_env
from portal import create_app

app = create_app(config_from_env())
