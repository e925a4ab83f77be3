"""The register of the reception record for a period, as one table for the page, the CSV and
the XLSX file (the shared columns and writers: portal/sheets/columns.py, files.py).
A phone number is masked for a reader who does not call people back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import mask_phone, national
from portal.dialogues import records
from portal.dialogues.labels import MATTER_KIND
from portal.dialogues.models import ReceptionRecord
from portal.sheets.columns import Column, Format, Table, TableSpec


def _columns(see_phone: bool) -> tuple[Column, ...]:
    phone = (
        (lambda r: national(r.visitor_phone))
        if see_phone
        else (lambda r: mask_phone(r.visitor_phone))
    )
    return (
        Column(_l("No."), lambda r: r.number, Format.INTEGER),
        Column(_l("Received at"), lambda r: r.entry.received_at, Format.DATETIME),
        Column(_l("Full name"), lambda r: r.entry.visitor_name),
        Column(_l("Phone"), lambda r: phone(r.entry) or None),
        Column(_l("Address"), lambda r: r.entry.visitor_address or None),
        Column(_l("Kind of matter"), lambda r: str(MATTER_KIND[r.entry.kind])),
        Column(_l("Matter raised"), lambda r: r.entry.matter, Format.LONG_TEXT),
        Column(_l("Documents received"), lambda r: r.entry.documents or None, Format.LONG_TEXT),
        Column(_l("The chairman's conclusion"), lambda r: r.entry.conclusion or None),
        Column(
            _l("Follow-up officer"),
            lambda r: r.entry.follow_up_officer.full_name if r.entry.follow_up_officer else None,
        ),
        Column(_l("Deadline"), lambda r: r.entry.follow_up_due, Format.DATE),
        Column(_l("Feedback case"), lambda r: r.entry.feedback.code if r.entry.feedback else None),
        Column(_l("Recorded by"), lambda r: r.entry.recorded_by.full_name),
    )


class Row:
    """An entry with its number in the register."""

    def __init__(self, number: int, entry: ReceptionRecord) -> None:
        self.number = number
        self.entry = entry


def register_table(viewer: User, ward_id: int, entries: list[ReceptionRecord]) -> Table:
    """The register of `entries` (numbered in the order received) as `viewer` may read it."""
    see_phone = bool(entries) and records.phone_shown(viewer, entries[0])
    spec = TableSpec(
        name="reception-register",
        sheet=_l("Reception register"),
        columns=_columns(see_phone),
        rows=lambda items: [Row(n, e) for n, e in enumerate(items, start=1)],
    )
    return spec.build(entries)
