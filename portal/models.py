"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""

from portal.api.models import ApiKey  # noqa: F401
from portal.audit.models import AuditEntry  # noqa: F401
from portal.auth.models import (  # noqa: F401
    AuthSession,
    Consent,
    ExternalIdentity,
    PhoneCode,
    PhoneCodeQuota,
    User,
)
from portal.dialogues.models import (  # noqa: F401
    Booking,
    DialogueSession,
    Question,
    ReceptionSchedule,
    WalkInOverride,
)
from portal.feedback.models import (  # noqa: F401
    CannedResponse,
    Feedback,
    FeedbackAttachment,
    FeedbackCategory,
    FeedbackEvent,
)
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.satisfaction.models import (  # noqa: F401
    Dossier,
    Procedure,
    SatisfactionRating,
    SatisfactionRollup,
)
from portal.supervision.models import SupervisionRecommendation  # noqa: F401
from portal.wards.models import Ward, WardInfo  # noqa: F401
