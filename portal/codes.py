"""Short codes people read aloud, type or scan: booking lookup codes, feedback tracking codes."""

from __future__ import annotations

import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
CODE_LENGTH = 8


def new_code() -> str:
    """A random code of CODE_LENGTH characters (40 bits) from an unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a person typed or scanned -> the stored form (upper case, no spaces or dashes)."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[: CODE_LENGTH + 4]


def format_code(code: str) -> str:
    """ABCD2345 -> ABCD-2345, easier to read aloud."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code
