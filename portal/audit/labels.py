"""What each audited action and each kind of record is called on the audit page. Every route
that changes something and that an official may use is listed here, or in NOT_AUDITED with
its reason (a test checks both)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# endpoint -> (what was done, the kind of record its first id names)
ACTIONS = {
    # accounts and the city
    "auth.login": (_l("Logged in"), None),
    "recovery.code_login_confirm": (_l("Logged in with a one-time code"), None),
    "recovery.reset_code": (_l("Set a new password with a one-time code"), None),
    "recovery.reset_link": (_l("Set a new password from an e-mailed link"), None),
    "account.change_password": (_l("Changed their password"), None),
    "account.edit": (_l("Changed their account details"), None),
    "account.phone_confirm": (_l("Changed their mobile number"), None),
    "account.messages": (_l("Changed how they receive messages"), None),
    "manage.create_user": (_l("Created an official's account"), "user"),
    "manage.set_user_active": (_l("Enabled or disabled an account"), "user"),
    "manage.set_ward_enabled": (_l("Started or stopped serving a ward"), "ward"),
    "wards.edit_info": (_l("Edited the ward's information page"), "ward"),
    "api_keys.create": (_l("Issued an API key"), "api_key"),
    "api_keys.revoke": (_l("Revoked an API key"), "api_key"),
    # dialogues and reception
    "dialogues_staff.create": (_l("Created a conference"), "conference"),
    "dialogues_staff.edit": (_l("Edited a conference"), "conference"),
    "dialogues_staff.publish": (_l("Published a conference"), "conference"),
    "dialogues_staff.cancel": (_l("Cancelled a conference"), "conference"),
    "dialogues_staff.held": (_l("Marked a conference as held"), "conference"),
    "dialogues_staff.book_for_caller": (_l("Booked a place for a caller"), "conference"),
    "dialogues_staff.check_in": (_l("Checked a resident in"), "conference"),
    "dialogues_staff.walk_in": (_l("Recorded a walk-in"), "conference"),
    "dialogues.cancel_booking": (_l("Cancelled a booking"), None),
    "dialogue_results.add_floor_question": (_l("Added a question from the floor"), "conference"),
    "dialogue_results.answer": (_l("Answered a question"), "conference"),
    "dialogue_results.merge": (_l("Merged questions"), "conference"),
    "dialogue_results.move": (_l("Reordered questions"), "conference"),
    "dialogue_results.save_minutes": (_l("Saved the minutes"), "conference"),
    "dialogue_results.publish": (_l("Published a conference's results"), "conference"),
    "reception.add_schedule": (_l("Added reception hours"), None),
    "reception.deactivate_schedule": (_l("Ended reception hours"), "schedule"),
    "reception.generate": (_l("Opened reception slots"), None),
    "reception.block_slot": (_l("Blocked a reception slot"), "slot"),
    "reception.block_day": (_l("Blocked a day of reception"), None),
    "reception.book_for_caller": (_l("Booked a reception slot for a caller"), "slot"),
    "reception.move_booking": (_l("Moved a reception booking"), None),
    "reception_records.create": (_l("Recorded a citizen reception"), "reception_record"),
    "reception_records.register": (_l("Downloaded the reception register"), None),
    "reception_records.detail": (_l("Opened a reception record entry"), "reception_record"),
    "reception_records.day": (_l("Opened a day of the reception record"), None),
    # feedback
    "feedback_staff.create": (_l("Recorded feedback for a resident"), "feedback"),
    "feedback_staff.assign": (_l("Assigned feedback"), "feedback"),
    "feedback_staff.note": (_l("Added an internal note"), "feedback"),
    "feedback_staff.reply": (_l("Replied to feedback"), "feedback"),
    "feedback_staff.record_outcome": (_l("Recorded the outcome of feedback"), "feedback"),
    "feedback_staff.request_info": (_l("Asked the resident for information"), "feedback"),
    "feedback_staff.resume": (_l("Resumed feedback"), "feedback"),
    "feedback_staff.transfer": (_l("Transferred feedback"), "feedback"),
    "feedback_staff.reject": (_l("Did not accept feedback"), "feedback"),
    "feedback_staff.close": (_l("Closed feedback"), "feedback"),
    "feedback_staff.merge": (_l("Merged duplicate feedback"), "feedback"),
    "feedback_staff.set_urgency": (_l("Set the urgency of feedback"), "feedback"),
    "feedback_staff.canned": (_l("Saved a canned reply"), None),
    "feedback_staff.delete_canned": (_l("Deleted a canned reply"), "canned"),
    "feedback_staff.edit_category": (_l("Saved a feedback category"), "category"),
    # dossiers
    "satisfaction_staff.new_dossier": (_l("Registered a dossier"), "dossier"),
    "satisfaction_staff.import_dossiers": (_l("Imported dossiers"), None),
    "satisfaction_staff.return_dossier": (_l("Returned a dossier and printed its slip"), "dossier"),
    "satisfaction_staff.kiosk_rate": (_l("Recorded a rating at the kiosk"), "dossier"),
    "satisfaction_staff.enrol_kiosk": (
        _l("Issued a rating tablet's enrolment code"),
        "kiosk_device",
    ),
    "satisfaction_staff.revoke_kiosk": (_l("Revoked a rating tablet"), "kiosk_device"),
    "kiosk.enrolled": (_l("A rating tablet was enrolled with its code"), "kiosk_device"),
    "satisfaction_staff.create_delegation": (_l("Recorded a signing delegation"), "delegation"),
    "satisfaction_staff.revoke_delegation": (_l("Revoked a signing delegation"), "delegation"),
    "satisfaction_staff.edit_procedure": (_l("Saved a procedure"), "procedure"),
    "satisfaction_staff.import_procedures": (_l("Imported procedures"), None),
    # Fatherland Front supervision
    "supervision.create": (_l("Sent a supervision recommendation"), "supervision"),
    "supervision.answer": (_l("Answered a supervision recommendation"), "supervision"),
    "supervision.withdraw": (_l("Withdrew a supervision recommendation"), "supervision"),
    # downloads of personal data (GET routes marked with @audited_download)
    "dashboard_exports.export": (_l("Downloaded a report"), None),
    "feedback.attachment": (_l("Opened a feedback attachment"), "attachment"),
    "dialogues_staff.attendees_file": (_l("Downloaded a conference's attendee list"), "conference"),
    "dialogues_staff.sign_in_sheet": (_l("Opened a conference's sign-in sheet"), "conference"),
    # scheduled jobs and commands
    "privacy.deletion_requested": (_l("Asked for the account to be deleted"), "user"),
    "privacy.deletion_cancelled": (_l("Cancelled the deletion request"), "user"),
    "privacy.account_deleted": (_l("Deleted an account's personal data"), "user"),
    "privacy.retention": (_l("Anonymised personal data past its keeping period"), None),
    "deadlines.run": (_l("Sent the deadline warnings and digests"), None),
}

# Routes an official may post to that change nothing anyone needs to answer for.
NOT_AUDITED = {
    "main.set_language": "the page language, kept in a cookie and the account",
    "auth.logout": "ends the official's own session",
    "main.choose_ward": "the ward a visitor's home shows, kept in a cookie of their browser",
    "kiosk.enrol": "the tablet's enrolment is recorded by the service itself (kiosk.enrolled), "
    "whoever happens to be signed in on that browser",
}

# kind of record -> (its name, the page that shows it, that page's id argument)
TARGETS = {
    "feedback": (lazy_pgettext("audit", "Feedback"), "feedback_staff.detail", "item_id"),
    "conference": (lazy_pgettext("audit", "Conference"), "dialogues_staff.detail", "session_id"),
    "booking": (lazy_pgettext("audit", "Booking"), None, None),
    "dossier": (
        lazy_pgettext("audit", "Dossier"),
        "satisfaction_staff.dossier",
        "dossier_id",
    ),
    "procedure": (
        lazy_pgettext("audit", "Procedure"),
        "satisfaction_staff.edit_procedure",
        "procedure_id",
    ),
    "category": (
        lazy_pgettext("audit", "Category"),
        "feedback_staff.edit_category",
        "category_id",
    ),
    "canned": (lazy_pgettext("audit", "Canned reply"), None, None),
    "schedule": (lazy_pgettext("audit", "Reception hours"), None, None),
    "slot": (lazy_pgettext("audit", "Reception slot"), None, None),
    "reception_record": (
        lazy_pgettext("audit", "Reception record entry"),
        "reception_records.detail",
        "record_id",
    ),
    "user": (lazy_pgettext("audit", "Account"), None, None),
    "ward": (lazy_pgettext("audit", "Ward"), None, None),
    "api_key": (lazy_pgettext("audit", "API key"), None, None),
    "attachment": (lazy_pgettext("audit", "Attachment"), None, None),
    "kiosk_device": (lazy_pgettext("audit", "Rating tablet"), None, None),
    "supervision": (
        lazy_pgettext("audit", "Supervision recommendation"),
        "supervision.detail",
        "item_id",
    ),
    "delegation": (lazy_pgettext("audit", "Signing delegation"), None, None),
}

# What `detail` may say, as the page shows it.
DETAILS = {
    "enabled": _l("Enabled"),
    "disabled": _l("Disabled"),
    "table": _l("Table"),
    "period": _l("Period"),
    "format": _l("Format"),
    "role": _l("Role"),
    "session_id": _l("Conference number"),
    "over_capacity": _l("More people than the room holds"),
    "present": _l("Present"),
    "capacity": _l("Capacity"),
    "feedback": _l("Feedback items"),
    "bookings": _l("Bookings"),
    "messages": _l("Messages"),
    "fields": _l("Fields changed"),
    "urgency": lazy_pgettext("feedback", "Urgency"),
    "was": _l("Before"),
    "warnings": _l("Deadline warnings"),
    "overdue": _l("Overdue notices"),
    "digests": _l("Digests"),
    "from_slot": _l("From reception slot"),
    "to_slot": _l("To reception slot"),
    "kind": _l("Kind"),
    "feedback_id": _l("Feedback opened"),
    "start": _l("From"),
    "end": _l("Until"),
    "merged_into": _l("Merged into"),
    "moved": _l("Duplicates moved along"),
    "subject": _l("About"),
    "due_on": _l("Answer due"),
    "late": _l("Answered after the deadline"),
    "decision_number": _l("Decision number"),
    "officer_id": _l("Officer delegated (account number)"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid until"),
    "procedures": _l("Procedures covered (codes)"),
    "revoked_at": _l("Revoked at"),
}


def action_names() -> dict:
    """Each audited action's name, by its key (for the pages that list entries)."""
    return {key: name for key, (name, _record) in ACTIONS.items()}
