"""Booking a place for a caller or walk-in without an account, as the officers' pages post
it: for a conference (views_staff) or a reception slot (views_reception)."""

from __future__ import annotations

from flask import flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from portal.codes import format_code
from portal.dialogues import services
from portal.dialogues.forms import GuestBookForm
from portal.dialogues.models import DialogueSession
from portal.web import flash_form_errors, perform


def book_caller(session: DialogueSession, target: str):
    """The guest-booking form posted for a conference or a reception slot: book, commit,
    flash the caller's lookup code and go back to `target` (problems flashed there)."""
    form = GuestBookForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)

    def action():
        booking = services.book(
            session,
            guest_name=form.guest_name.data,
            guest_phone=form.guest_phone.data,
            question=form.question.data,
            booked_by=current_user,
        )
        flash(_("Lookup code for the caller: %(code)s", code=format_code(booking.code)))

    return perform(action, _("The caller is booked."), target)
