"""What a browser is in the middle of: the number a code was sent to, kept in the signed
session between "send the code" and "type the code" (and for what)."""

from __future__ import annotations

from flask import abort, session

from portal.auth.models import CodePurpose

KEY = "code_flow"


def remember(purpose: CodePurpose, phone: str) -> None:
    session[KEY] = {"purpose": purpose.value, "phone": phone}


def phone_for(purpose: CodePurpose) -> str:
    """The number a code of `purpose` was sent to from this browser; 404 when none was."""
    flow = session.get(KEY) or {}
    if flow.get("purpose") != purpose.value or not flow.get("phone"):
        abort(404)
    return flow["phone"]


def forget() -> None:
    session.pop(KEY, None)
