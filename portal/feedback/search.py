"""The folded texts that feedback is searched by, without diacritics ("duong" finds
"đường"): what officers search in the inbox and what the public searches on a ward's page
of answers. Written here whenever the texts change; searched with portal.db.folded_search."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.feedback.models import Feedback
from portal.feedback.redaction import redact
from portal.text import fold


def texts(code: str, title: str, body: str, address: str, residential_group: str) -> dict[str, str]:
    """The two folded texts of an item: the officers' (tracking code, title, text, address)
    and the public's (only what the public page shows: title, residential group, the text
    without phone numbers or e-mails, so that a search cannot reveal what the page hides)."""
    return {
        "search_text": fold(code, title, body, address),
        "public_search_text": fold(title, residential_group, redact(body)),
    }


def index(item: Feedback) -> None:
    """Write the item's folded texts from its current texts."""
    for name, value in texts(
        item.code, item.title, item.body, item.address, item.residential_group
    ).items():
        setattr(item, name, value)


def forget_places(ids: sa.Select) -> None:
    """Fold these items' texts again without their address and residential group (they are
    being erased: the search must not keep them). Call it before erasing: `ids` may select
    by the details themselves."""
    rows = db.session.execute(
        sa.select(Feedback.id, Feedback.code, Feedback.title, Feedback.body).where(
            Feedback.id.in_(ids)
        )
    ).all()
    if rows:
        db.session.execute(
            sa.update(Feedback),
            [{"id": r.id, **texts(r.code, r.title, r.body, "", "")} for r in rows],
        )
