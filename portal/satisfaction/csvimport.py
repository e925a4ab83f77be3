"""Reading CSV files line by line, each bad line reported with its number and the reason,
for the imports of procedures and dossiers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.domain import DomainError
from portal.text import clean


@dataclass
class ImportReport:
    """What a CSV import did: rows saved, and the bad rows by line number with the reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Dossiers this import returned, each with its rating slip: (receipt number, tokens.Issued).
    slips: list[tuple[str, object]] = field(default_factory=list)


def rows(text: str, required: set[str], aliases: dict[str, str] | None = None):
    """(line number, row) pairs of a CSV with a header line; a missing column fails it all.
    `aliases`: other names a column may have in the header (name -> the column's own)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    aliases = aliases or {}
    columns = {aliases.get(c.strip(), c.strip()) for c in (reader.fieldnames or [])}
    missing = sorted(required - columns)
    if missing:
        raise DomainError(
            _l("The file lacks the columns: %(columns)s.", columns=", ".join(missing)), "file"
        )
    for row in reader:
        yield reader.line_num, {(k or "").strip(): clean(v) for k, v in row.items()}


def whole_number(value: str, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else None


def messages_of(error: DomainError) -> str:
    return "; ".join(
        dict.fromkeys(str(m) for m in (error.errors or {None: error.message}).values())
    )
