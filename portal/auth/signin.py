"""The end of every way in (password, one-time code, new password, VNeID): a session the
server knows, the login cookie, and on to where the person was going."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_user

from portal.auth import flows, sessions
from portal.auth.models import CodePurpose, User
from portal.security import is_safe_next
from portal.web import commit, redirect_next


def sign_in(user: User, method: str, message: str, next_url: str | None = None):
    """Start a server-known session for the account, commit, and go on (to `next_url` when
    it is a page of this site, else to the form's or query's `next`, else home)."""
    flows.forget()
    sessions.start(user, method)
    login_user(user)  # before the commit: an official's login is in the audit trail
    commit()
    flash(message, "success")
    if is_safe_next(next_url):
        return redirect(next_url)
    return redirect_next("main.home")


def code_page(purpose: CodePurpose, phone: str, endpoint: str) -> str:
    """Remember where a code went, and give the address of the page to type it on."""
    flows.remember(purpose, phone)
    return url_for(endpoint)
