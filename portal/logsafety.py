"""What may reach a log line. The app's own lines mask phone numbers and never hold a code,
a token or a password; gunicorn's access log has no query strings (gunicorn.conf.py); SQL
at DEBUG shows no values (hide_parameters, config.py); and this filter drops the result
rows SQLAlchemy logs at DEBUG, which would hold every column of every row read."""

from __future__ import annotations

import logging

ENGINE_LOGGER = "sqlalchemy.engine.Engine"


class NoResultRows(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


def install() -> None:
    logger = logging.getLogger(ENGINE_LOGGER)
    if not any(isinstance(f, NoResultRows) for f in logger.filters):
        logger.addFilter(NoResultRows())
