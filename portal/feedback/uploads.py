"""Attachments: images and PDF, checked by their content (never by the name or the
browser's content type), with size and number limits."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.domain import DomainError

# content type, extensions the file name may carry, and a test of the first bytes
KINDS = (
    ("image/jpeg", {"jpg", "jpeg"}, lambda head: head.startswith(b"\xff\xd8\xff")),
    ("image/png", {"png"}, lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/gif", {"gif"}, lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    ("image/webp", {"webp"}, lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ("application/pdf", {"pdf"}, lambda head: head.startswith(b"%PDF-")),
)
EXTENSION_TYPES = {ext: kind for kind, exts, _test in KINDS for ext in exts}


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the sender gave it and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def limits() -> tuple[int, int]:
    """(most files per message, most bytes per file) from the settings."""
    config = current_app.config
    return config["FEEDBACK_MAX_ATTACHMENTS"], config["FEEDBACK_MAX_ATTACHMENT_BYTES"]


def clean_filename(raw: str) -> str:
    """A display name: the last path part, NFC, no control characters, at most 200 chars."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name or "file"


def sniff(data: bytes) -> str | None:
    head = data[:16]
    for content_type, _exts, test in KINDS:
        if test(head):
            return content_type
    return None


def check_one(upload: Upload, max_bytes: int) -> CheckedUpload:
    """Accept an image or PDF whose bytes match its name, or say clearly why not."""
    name = clean_filename(upload.filename)
    if not upload.data:
        raise DomainError(_l("The file %(name)s is empty.", name=name), "attachments")
    if len(upload.data) > max_bytes:
        raise DomainError(
            _l(
                "The file %(name)s is larger than %(mb)s MB.",
                name=name,
                mb=max_bytes // (1024 * 1024),
            ),
            "attachments",
        )
    content_type = sniff(upload.data)
    if content_type is None:
        raise DomainError(
            _l(
                "The file %(name)s is not an image (JPEG, PNG, GIF, WebP) or a PDF.",
                name=name,
            ),
            "attachments",
        )
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if EXTENSION_TYPES.get(ext) != content_type:
        raise DomainError(
            _l(
                "The file %(name)s is not what its name says: its content is not a %(ext)s file.",
                name=name,
                ext=(ext or "?").upper(),
            ),
            "attachments",
        )
    return CheckedUpload(filename=name, content_type=content_type, data=upload.data)


def check_all(uploads: list[Upload]) -> list[CheckedUpload]:
    """Check every file; refuse the lot on the first bad one (nothing is half-saved)."""
    uploads = [u for u in uploads if u.filename or u.data]
    most, max_bytes = limits()
    if len(uploads) > most:
        raise DomainError(_l("Attach at most %(n)d files.", n=most), "attachments")
    return [check_one(upload, max_bytes) for upload in uploads]
