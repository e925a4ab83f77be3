"""What the subjects and the states of supervision recommendations are called on the pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.supervision.models import RecommendationState, SubjectKind

SUBJECT_KINDS = {
    SubjectKind.FEEDBACK: _l("A feedback item"),
    SubjectKind.CONFERENCE: _l("A dialogue conference"),
    SubjectKind.DOSSIER: _l("A dossier"),
    SubjectKind.PROCEDURE: _l("A procedure"),
    SubjectKind.PERIOD: _l("A period's figures"),
}
# What the reference is, for each subject (the detail page's label).
REFERENCES = {
    SubjectKind.FEEDBACK: _l("Tracking code"),
    SubjectKind.CONFERENCE: _l("Conference number"),
    SubjectKind.DOSSIER: _l("Receipt number"),
    SubjectKind.PROCEDURE: _l("Procedure"),
    SubjectKind.PERIOD: _l("Period"),
}
STATES = {
    RecommendationState.SENT: lazy_pgettext("supervision", "Waiting for an answer"),
    RecommendationState.ANSWERED: lazy_pgettext("supervision", "Answered"),
    RecommendationState.WITHDRAWN: lazy_pgettext("supervision", "Withdrawn"),
}


def filters() -> dict:
    return {
        "subject_kind": lambda kind: str(SUBJECT_KINDS[SubjectKind(kind)]),
        "reference_label": lambda kind: str(REFERENCES[SubjectKind(kind)]),
        "recommendation_state": lambda state: str(STATES[RecommendationState(state)]),
    }
