"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""

from portal.auth.models import Consent, User  # noqa: F401
from portal.wards.models import Ward  # noqa: F401
