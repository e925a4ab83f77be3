"""Every route declares who may use it, and this table says what each kind of person gets.

An endpoint missing from ROUTES fails the test: every new feature must extend the table.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from conftest import (
    World,
    isolate_requests,
    login_as,
    make_conference,
    make_config,
    make_feedback,
)

from portal import create_app
from portal.api import keys
from portal.dashboard.periods import period_containing
from portal.db import utcnow
from portal.dialogues import reception, records, services
from portal.dialogues.models import Question, SessionKind
from portal.extensions import db
from portal.feedback import canned as feedback_canned
from portal.feedback import categories as feedback_categories
from portal.feedback import queries as feedback_queries
from portal.feedback.uploads import Upload
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import delegations as satisfaction_delegations
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import kiosks as satisfaction_kiosks
from portal.supervision import services as supervision
from portal.timeutil import local_today

ROLES = ("anonymous", "resident", "staff", "staff_other", "chairman", "supervisor", "admin")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    """`allowed` roles get their status; anonymous is sent to log in; the rest get `others`."""
    return {role: allowed.get(role, 302 if role == "anonymous" else others) for role in ROLES}


# The ward's lists for officials: each official sees their own ward's.
WARD_LISTS = only({"staff": 200, "staff_other": 200, "chairman": 200, "supervisor": 200})
LOGGED_IN_302 = {**everyone(302), "anonymous": 200}
# The ward's officers may do it (302), or may but not to this world's item in its state now
# (409): the conference is published (not a draft, not held), the feedback only received.
OFFICERS_302 = only({"staff": 302, "chairman": 302})
NOT_NOW = only({"staff": 409, "chairman": 409})
# Supervision recommendations: the ward's chairman and supervisor, the city administrator.
SUPERVISION_READERS = only({"chairman": 200, "supervisor": 200, "admin": 200})
# A resident's booking: the holder and the ward's officials see it; others get a 404.
BOOKING_VIEW = {
    **only({"resident": 200, "staff": 200, "chairman": 200, "supervisor": 200, "admin": 200}),
    "staff_other": 404,
}


def feedback_action(path: str):
    """The URL of an officer's action on the resident's feedback."""
    return lambda w: f"/staff/feedback/{w.feedback.id}/{path}"


def last_month() -> str:
    """The key of the last complete month (the transparency pages' default period)."""
    return period_containing(local_today()).previous().key


def asked(w: World) -> int:
    """The id of the question the resident sent with the booking."""
    query = db.select(Question.id).where(Question.booking_id == w.booking.id)
    return db.session.execute(query).scalar_one()


# endpoint: (method, url built from the world, form data (or a function of the world),
# expected status per role)
ROUTES = {
    "static": ("GET", lambda w: "/static/css/app.css", None, everyone(200)),
    # ---- Open311 API keys (the city administrator) and the Open311 GeoReport v2 API: open to
    # everyone, filing needs an API key (a wrong one is 403 whoever is logged in)
    "api_keys.index": ("GET", lambda w: "/manage/api-keys/", None, only({"admin": 200})),
    "api_keys.create": (
        "POST",
        lambda w: "/manage/api-keys/",
        {"name": "Ứng dụng 1022", "ward_id": ""},
        only({"admin": 200}),
    ),
    "api_keys.revoke": (
        "POST",
        lambda w: f"/manage/api-keys/{w.api_key.id}/revoke",
        {},
        only({"admin": 302}),
    ),
    "open311.discovery": ("GET", lambda w: "/open311/v2/discovery.json", None, everyone(200)),
    "open311.openapi_document": ("GET", lambda w: "/open311/v2/openapi.json", None, everyone(200)),
    "open311.service_list": (
        "GET",
        lambda w: "/open311/v2/services.xml?jurisdiction_id=phuong-bo-de",
        None,
        everyone(200),
    ),
    "open311.service_definition": (
        "GET",
        lambda w: "/open311/v2/services/environment.json?jurisdiction_id=phuong-bo-de",
        None,
        everyone(200),
    ),
    "open311.create_request": (
        "POST",
        lambda w: "/open311/v2/requests.json",
        {"api_key": "not-a-key", "service_code": "environment", "description": "Rác"},
        everyone(403),
    ),
    "open311.request_list": (
        "GET",
        lambda w: "/open311/v2/requests.json?jurisdiction_id=phuong-bo-de",
        None,
        everyone(200),
    ),
    "open311.request_detail": (
        "GET",
        lambda w: "/open311/v2/requests/NOPE2345.xml?jurisdiction_id=phuong-bo-de",
        None,
        everyone(404),
    ),
    "open311.request_updates": (
        "GET",
        lambda w: "/open311/v2/servicerequestupdates.xml?jurisdiction_id=phuong-bo-de",
        None,
        everyone(200),
    ),
    "open311.token": (
        "GET",
        lambda w: "/open311/v2/tokens/no-such-token.json",
        None,
        everyone(404),
    ),
    "open311.unknown": ("GET", lambda w: "/open311/v2/nothing-here", None, everyone(404)),
    # the dossier API: a ward's dossier key is the credential, a login gives nothing
    "dossier_api.send_dossiers": ("POST", lambda w: "/api/v1/dossiers", {}, everyone(401)),
    "dossier_api.openapi_document": ("GET", lambda w: "/api/v1/openapi.json", None, everyone(200)),
    "main.home": ("GET", lambda w: "/", None, everyone(200)),
    "main.healthz": ("GET", lambda w: "/healthz", None, everyone(200)),
    "main.set_language": ("POST", lambda w: "/language", {"lang": "en"}, everyone(302)),
    "wards.index": ("GET", lambda w: "/wards/", None, everyone(200)),
    "wards.detail": ("GET", lambda w: f"/wards/{w.ward.slug}", None, everyone(200)),
    "main.choose_ward": ("POST", lambda w: "/ward", {"ward": "phuong-bo-de"}, everyone(302)),
    "wards.info": ("GET", lambda w: f"/wards/{w.ward.slug}/info", None, everyone(200)),
    # only the ward's own chairman (the other ward's staff, the city administrator: 403)
    "wards.edit_info": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/info/edit",
        None,
        only({"chairman": 200}),
    ),
    "procedures.index": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/procedures?q=khai+sinh",
        None,
        everyone(200),
    ),
    "procedures.detail": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/procedures/{w.procedure.id}",
        None,
        everyone(200),
    ),
    # ---- the public transparency pages and their open data (the last complete month)
    "transparency.ward_page": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/minh-bach?period=quarter",
        None,
        everyone(200),
    ),
    "transparency.city_page": ("GET", lambda w: "/minh-bach", None, everyone(200)),
    "transparency.ward_data": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/minh-bach/{last_month()}.json",
        None,
        everyone(200),
    ),
    "transparency.city_data": (
        "GET",
        lambda w: f"/minh-bach/{last_month()}.csv",
        None,
        everyone(200),
    ),
    "auth.register": ("GET", lambda w: "/register", None, LOGGED_IN_302),
    "auth.login": ("GET", lambda w: "/login", None, everyone(200)),
    "auth.logout": ("POST", lambda w: "/logout", {}, everyone(302)),
    "account.index": ("GET", lambda w: "/account", None, only(dict.fromkeys(ROLES[1:], 200))),
    "account.export_data": (
        "GET",
        lambda w: "/account/export.json",
        None,
        only(dict.fromkeys(ROLES[1:], 200)),
    ),
    "account.my_data": (
        "GET",
        lambda w: "/account/data",
        None,
        only(dict.fromkeys(ROLES[1:], 200)),
    ),
    # Without the confirmation ticked: back to the page (nothing asked).
    "account.request_deletion": (
        "POST",
        lambda w: "/account/delete",
        {},
        only({"resident": 302}),
    ),
    "account.cancel_deletion": (
        "POST",
        lambda w: "/account/delete/cancel",
        {},
        only({"resident": 302}),
    ),
    "account.change_password": (
        "POST",
        lambda w: "/account/password",
        {},
        only(dict.fromkeys(ROLES[1:], 422)),
    ),
    # ---- proving a number, logging in with a code, a new password (the code pages need a
    # code sent from this browser first: 404 without one)
    "auth.confirm": ("GET", lambda w: "/register/confirm", None, everyone(404)),
    "auth.resend": ("POST", lambda w: "/register/resend", {}, everyone(404)),
    "recovery.code_login": ("GET", lambda w: "/login/code", None, LOGGED_IN_302),
    "recovery.code_login_confirm": ("GET", lambda w: "/login/code/confirm", None, everyone(404)),
    "recovery.forgot": ("GET", lambda w: "/password/forgot", None, everyone(200)),
    "recovery.reset_code": ("GET", lambda w: "/password/reset", None, everyone(404)),
    "recovery.reset_link": ("GET", lambda w: "/password/reset/not-a-token", None, everyone(302)),
    # ---- logging in with VNeID: off unless configured (this app has no issuer), so 404
    "vneid.start": ("GET", lambda w: "/login/vneid", None, everyone(404)),
    "vneid.callback": ("GET", lambda w: "/login/vneid/callback?state=x", None, everyone(404)),
    "vneid.new_account": ("GET", lambda w: "/login/vneid/new", None, everyone(404)),
    # ---- a provider's delivery report: anyone may call, only a signed address counts
    "hooks.esms_report": ("GET", lambda w: "/hooks/sms/esms/1/x", None, everyone(403)),
    "account.edit": ("GET", lambda w: "/account/edit", None, only({"resident": 200})),
    "account.phone": ("GET", lambda w: "/account/phone", None, only({"resident": 200})),
    "account.messages": ("GET", lambda w: "/account/messages", None, only({"resident": 200})),
    "account.phone_confirm": (
        "GET",
        lambda w: "/account/phone/confirm",
        None,
        only({"resident": 404}),
    ),
    "manage.users": ("GET", lambda w: "/manage/users", None, only({"chairman": 200, "admin": 200})),
    "manage.create_user": (
        "GET",
        lambda w: "/manage/users/new",
        None,
        only({"chairman": 200, "admin": 200}),
    ),
    "manage.set_user_active": (
        "POST",
        lambda w: f"/manage/users/{w.staff.id}/active",
        {"value": "0"},
        only({"chairman": 302, "admin": 302}),
    ),
    "manage.wards": ("GET", lambda w: "/manage/wards", None, only({"admin": 200})),
    "manage.set_ward_enabled": (
        "POST",
        lambda w: f"/manage/wards/{w.other_ward.id}/enabled",
        {"value": "0"},
        only({"admin": 302}),
    ),
    # ---- dialogues: public and residents
    "dialogues.public_list": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues",
        None,
        everyone(200),
    ),
    "dialogues.public_detail": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues/{w.conference.id}",
        None,
        everyone(200),
    ),
    "dialogues.ward_feed": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues.ics",
        None,
        everyone(200),
    ),
    "dialogues.book": (
        "POST",
        lambda w: f"/dialogues/{w.conference.id}/book",
        {"question": ""},
        only({"resident": 409}),  # the resident has booked it already
    ),
    "dialogues.my_bookings": ("GET", lambda w: "/my/bookings", None, only({"resident": 200})),
    "dialogues.booking_detail": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.booking_ics": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}.ics",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.booking_qr": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}/qr.svg",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.confirm_cancel_booking": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}/cancel",
        None,
        {**BOOKING_VIEW, "supervisor": 403, "admin": 403},
    ),
    "dialogues.cancel_booking": (
        "POST",
        lambda w: f"/bookings/{w.booking.code}/cancel",
        {},
        {
            **BOOKING_VIEW,
            "resident": 302,
            # an officer must give the reason: the confirmation page again, saying so
            "staff": 422,
            "chairman": 422,
            "supervisor": 403,
            "admin": 403,
        },
    ),
    # ---- dialogues: the ward's officials (supervisor may look, not change)
    "dialogues_staff.index": (
        "GET",
        lambda w: "/staff/dialogues/",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.create": (
        "GET",
        lambda w: "/staff/dialogues/new",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "dialogues_staff.edit": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/edit",
        None,
        only({"staff": 200, "chairman": 200}),
    ),
    "dialogues_staff.detail": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.publish": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/publish",
        {},
        NOT_NOW,
    ),
    "dialogues_staff.cancel": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/cancel",
        {"reason": ""},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.held": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/held",
        {},
        NOT_NOW,
    ),
    "dialogues_staff.book_for_caller": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/book",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.check_in": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/check-in",
        None,
        only({"staff": 200, "chairman": 200}),
    ),
    "dialogues_staff.attendees_file": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/attendees.xlsx",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.sign_in_sheet": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/sign-in-sheet",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.door_counts": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/door-counts.json",
        None,
        only({"staff": 200, "chairman": 200}),
    ),
    "dialogues_staff.walk_in": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/walk-in",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    # ---- dialogues: questions, answers, minutes, results (the conference is not held yet:
    # minutes and publishing answer staff with a flashed error and a redirect)
    "dialogue_results.questions": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/questions",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogue_results.add_floor_question": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/questions/floor",
        {"text": "Khi nào lắp đèn đường ngõ 12?"},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogue_results.answer": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/questions/{asked(w)}/answer",
        {"answer": "Quý I năm sau phường sẽ lắp đèn."},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogue_results.move": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/questions/{asked(w)}/move",
        {"direction": "down"},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogue_results.merge": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/questions/{asked(w)}/merge",
        {"into_id": "999999"},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogue_results.minutes": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/minutes",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogue_results.save_minutes": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/minutes",
        {"attendance_count": "42", "secretary": "Nguyễn Thị Thư", "summary": "Biên bản."},
        NOT_NOW,
    ),
    "dialogue_results.publish": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/results/publish",
        {},
        NOT_NOW,
    ),
    # ---- citizen reception: public slots, the ward's officials (supervisor may look)
    "reception.public_page": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/reception",
        None,
        everyone(200),
    ),
    "reception.staff_index": (
        "GET",
        lambda w: "/staff/reception",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200, "supervisor": 200}),
    ),
    "reception.add_schedule": (
        "POST",
        lambda w: "/staff/reception/schedules",
        {
            "weekday": "4",
            "start_time": "14:00",
            "end_time": "16:00",
            "slot_minutes": "20",
            "venue": "Phòng tiếp công dân",
        },
        only({"staff": 302, "staff_other": 302, "chairman": 302}),
    ),
    "reception.deactivate_schedule": (
        "POST",
        lambda w: f"/staff/reception/schedules/{w.schedule.id}/deactivate",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "reception.generate": (
        "POST",
        lambda w: "/staff/reception/generate",
        {},
        only({"staff": 302, "staff_other": 302, "chairman": 302}),
    ),
    "reception.block_slot": (
        "POST",
        lambda w: f"/staff/reception/slots/{w.slot.id}/block",
        {"reason": "Chủ tịch đi họp"},
        only({"staff": 302, "chairman": 302}),
    ),
    "reception.block_day": (
        "POST",
        lambda w: "/staff/reception/block-day",
        {"day": "2099-01-06", "reason": "Chủ tịch đi họp"},
        only({"staff": 302, "staff_other": 302, "chairman": 302}),
    ),
    "reception.book_for_caller": (
        "POST",
        lambda w: f"/staff/reception/slots/{w.slot.id}/book",
        {"guest_name": "Ông Gọi Điện", "guest_phone": "0987 654 321", "question": "Đất đai"},
        only({"staff": 302, "chairman": 302}),
    ),
    # The holder moves their reception booking, or the ward's officers; the supervisor and
    # the administrator may see the booking, not move it; another ward's officer gets a 404.
    "reception.move_booking": (
        "GET",
        lambda w: f"/bookings/{w.reception_booking.code}/move",
        None,
        {
            **only({"resident": 200, "staff": 200, "chairman": 200}),
            "staff_other": 404,
        },
    ),
    # ---- the reception record: the ward's officers record, its officials read
    "reception_records.index": (
        "GET",
        lambda w: "/staff/reception/records/",
        None,
        WARD_LISTS,
    ),
    "reception_records.create": (
        "GET",
        lambda w: "/staff/reception/records/new",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "reception_records.detail": (
        "GET",
        lambda w: f"/staff/reception/records/{w.record.id}",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "reception_records.day": (
        "GET",
        lambda w: "/staff/reception/records/day/2026-12-01",
        None,
        WARD_LISTS,
    ),
    "reception_records.register": (
        "GET",
        lambda w: "/staff/reception/records/register.xlsx",
        None,
        WARD_LISTS,
    ),
    # ---------------------------------------------------------------- satisfaction
    "satisfaction.rate": ("GET", lambda w: f"/r/{w.rating_token}", None, everyone(200)),
    "satisfaction.thanks": ("GET", lambda w: "/r/thanks", None, everyone(200)),
    "satisfaction.enter_code": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/rate",
        None,
        everyone(200),
    ),
    "satisfaction.lookup": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dossier-lookup",
        None,
        everyone(200),
    ),
    # the enrolled kiosk: its pages answer to its cookie, never to a login
    "kiosk.enrol": ("GET", lambda w: "/kiosk/enrol", None, everyone(200)),
    "kiosk.screen": ("GET", lambda w: "/kiosk/", None, everyone(302)),
    "kiosk.rate": (
        "POST",
        lambda w: f"/kiosk/dossiers/{w.dossier.id}/rate",
        {"level": "satisfied"},
        everyone(403),
    ),
    "satisfaction_staff.kiosks": (
        "GET",
        lambda w: "/staff/satisfaction/kiosks",
        None,
        only({"chairman": 200}),
    ),
    "satisfaction_staff.enrol_kiosk": (
        "POST",
        lambda w: "/staff/satisfaction/kiosks",
        {"desk_name": "Quầy 2", "officer_id": ""},  # no officer chosen: the form again
        only({"chairman": 422}),
    ),
    "satisfaction_staff.revoke_kiosk": (
        "POST",
        lambda w: f"/staff/satisfaction/kiosks/{w.kiosk.id}/revoke",
        {},
        only({"chairman": 302}),
    ),
    "satisfaction_staff.delegations": (
        "GET",
        lambda w: "/staff/satisfaction/delegations",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200, "supervisor": 200}),
    ),
    "satisfaction_staff.create_delegation": (
        "POST",
        lambda w: "/staff/satisfaction/delegations",
        {"decision_number": "12/QĐ-UBND"},  # no dates, officer or procedures: the form again
        only({"chairman": 422}),
    ),
    "satisfaction_staff.revoke_delegation": (
        "POST",
        lambda w: f"/staff/satisfaction/delegations/{w.delegation.id}/revoke",
        {},
        only({"chairman": 302}),
    ),
    "satisfaction_staff.dossiers": (
        "GET",
        lambda w: "/staff/satisfaction/dossiers",
        None,
        WARD_LISTS,
    ),
    "satisfaction_staff.new_dossier": (
        "GET",
        lambda w: "/staff/satisfaction/dossiers/new",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "satisfaction_staff.import_dossiers": (
        "GET",
        lambda w: "/staff/satisfaction/dossiers/import",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "satisfaction_staff.dossier": (
        "GET",
        lambda w: f"/staff/satisfaction/dossiers/{w.dossier.id}",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "satisfaction_staff.return_dossier": (
        "POST",
        lambda w: f"/staff/satisfaction/dossiers/{w.dossier.id}/return",
        {},
        only({"staff": 200, "chairman": 200}),
    ),
    "satisfaction_staff.kiosk": (
        "GET",
        lambda w: "/staff/satisfaction/kiosk",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "satisfaction_staff.kiosk_rate": (
        "POST",
        lambda w: f"/staff/satisfaction/kiosk/{w.dossier.id}",
        {"level": "satisfied"},
        # the tablet rates what its officer handed back: the staff returned this dossier
        only({"staff": 302, "chairman": 403}),
    ),
    "satisfaction_staff.catalogue": (
        "GET",
        lambda w: f"/staff/satisfaction/catalogue?ward={w.ward.slug}",
        None,
        only(dict.fromkeys(("staff", "staff_other", "chairman", "supervisor", "admin"), 200)),
    ),
    "satisfaction_staff.edit_procedure": (
        "GET",
        lambda w: f"/staff/satisfaction/catalogue/{w.procedure.id}",
        None,
        only({"admin": 200}),
    ),
    "satisfaction_staff.import_procedures": (
        "GET",
        lambda w: f"/staff/satisfaction/catalogue/import?ward={w.ward.slug}",
        None,
        only({"admin": 200}),
    ),
    # ---------------------------------------------------------------- dashboard
    "dashboard.index": (
        "GET",
        lambda w: "/dashboard/",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    "dashboard_exports.export": (
        "GET",
        lambda w: f"/dashboard/export/by-procedure.csv?ward={w.ward.slug}",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    # the report's official document: for whoever may download its XLSX file
    "dashboard_exports.report_pdf": (
        "GET",
        lambda w: f"/dashboard/export/quarterly-report.pdf?ward={w.ward.slug}",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    # the officer report as a page to print: for whoever may download its XLSX file
    "dashboard.officer_report": (
        "GET",
        lambda w: f"/dashboard/officer-report?ward={w.ward.slug}",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    "dashboard_exports.ratings_exchange": (
        "GET",
        lambda w: f"/dashboard/export/ratings-exchange.csv?ward={w.ward.slug}",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    # ---------------------------------------------------------------- audit trail
    "audit.index": (
        "GET",
        lambda w: "/staff/audit/",
        None,
        only({"chairman": 200, "supervisor": 200, "admin": 200}),
    ),
    # ---------------------------------------------------------------- feedback
    "feedback.new": ("GET", lambda w: "/feedback/new", None, only({"resident": 200})),
    "feedback.complaints": ("GET", lambda w: "/feedback/complaints", None, everyone(200)),
    "feedback.mine": ("GET", lambda w: "/my/feedback", None, only({"resident": 200})),
    "feedback.mine_detail": (
        "GET",
        lambda w: f"/my/feedback/{w.feedback.code}",
        None,
        only({"resident": 200}),
    ),
    "feedback.add_message": (
        "POST",
        lambda w: f"/my/feedback/{w.feedback.code}/message",
        {"body": "Bổ sung: số nhà 12."},
        only({"resident": 302}),
    ),
    "feedback.respond": (
        "POST",
        lambda w: f"/my/feedback/{w.feedback.code}/respond",
        {"resolved": "yes"},
        only({"resident": 409}),  # not answered yet
    ),
    "feedback.publication_choice": (
        "POST",
        lambda w: f"/my/feedback/{w.feedback.code}/publication/allow",
        {},
        only({"resident": 302}),
    ),
    "feedback.attachment": (
        "GET",
        lambda w: f"/feedback/files/{w.attachment.id}",
        None,
        {**only(dict.fromkeys(ROLES[1:], 200)), "staff_other": 404},
    ),
    "feedback.public_list": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/feedback",
        None,
        everyone(200),
    ),
    "feedback_staff.inbox": ("GET", lambda w: "/staff/feedback/", None, WARD_LISTS),
    "feedback_staff.overdue": ("GET", lambda w: "/staff/feedback/overdue", None, WARD_LISTS),
    "feedback_staff.map_view": ("GET", lambda w: "/staff/feedback/map", None, WARD_LISTS),
    "feedback_staff.create": (
        "GET",
        lambda w: "/staff/feedback/new",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "feedback_staff.detail": (
        "GET",
        lambda w: f"/staff/feedback/{w.feedback.id}",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    **{
        f"feedback_staff.{name}": ("POST", feedback_action(path), data, expected)
        for name, path, data, expected in (
            ("assign", "assign", {"assignee_id": ""}, OFFICERS_302),
            ("note", "note", {"note": "Ghi chú nội bộ"}, OFFICERS_302),
            ("reply", "reply", {"body": "Trả lời", "answer": "y"}, OFFICERS_302),
            ("request_info", "request-info", {"body": "Xin cho biết số nhà."}, OFFICERS_302),
            ("resume", "resume", {}, NOT_NOW),  # not waiting for the resident
            ("transfer", "transfer", {"authority": "Công an phường Bồ Đề"}, OFFICERS_302),
            ("reject", "reject", {"reason": "Trùng lặp"}, OFFICERS_302),
            ("close", "close", {}, NOT_NOW),  # not answered
            ("set_urgency", "urgency", {"urgency": "urgent"}, OFFICERS_302),
            ("record_outcome", "outcome", {"body": "Đã xử lý"}, NOT_NOW),  # reachable: reply
            ("merge", "merge", lambda w: {"target": w.duplicate.code}, OFFICERS_302),
        )
    },
    "feedback_staff.canned": (
        "GET",
        lambda w: "/staff/feedback/canned",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "feedback_staff.delete_canned": (
        "POST",
        lambda w: f"/staff/feedback/canned/{w.canned.id}/delete",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "feedback_staff.categories": (
        "GET",
        lambda w: "/staff/feedback/categories",
        None,
        only({"chairman": 200}),
    ),
    "feedback_staff.edit_category": (
        "GET",
        lambda w: f"/staff/feedback/categories/{w.category.id}",
        None,
        only({"chairman": 200}),
    ),
    # ---- Fatherland Front supervision: the supervisor writes and withdraws, the chairman
    # answers, both and the city administrator read (another ward's officer: 403)
    "supervision.index": ("GET", lambda w: "/supervision/", None, SUPERVISION_READERS),
    "supervision.create": (
        "POST",
        lambda w: "/supervision/new",
        {"subject_kind": "period", "reference": "2026-01", "title": "Số liệu", "text": "Đề nghị"},
        only({"supervisor": 302}),
    ),
    "supervision.detail": (
        "GET",
        lambda w: f"/supervision/{w.recommendation.id}",
        None,
        SUPERVISION_READERS,
    ),
    "supervision.answer": (
        "POST",
        lambda w: f"/supervision/{w.recommendation.id}/answer",
        {"answer": "Đã chỉ đạo khắc phục."},
        only({"chairman": 302}),
    ),
    "supervision.withdraw": (
        "POST",
        lambda w: f"/supervision/{w.recommendation.id}/withdraw",
        {},
        only({"supervisor": 302}),
    ),
}


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "add these endpoints to tests/test_routes.py"
    assert set(ROUTES) - endpoints == set(), "these endpoints no longer exist"


def test_every_view_declares_its_access(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    assert undeclared == []


@pytest.fixture
def guard_world(world: World) -> World:
    """The world plus a published conference of the ward and the resident's booking in it,
    the ward's weekly reception time with one open reception slot, and feedback."""
    world.conference = make_conference(world.ward, capacity=5)
    world.booking = services.book(world.conference, user=world.resident, question="Hỏi")
    world.schedule = reception.save_schedule(
        world.staff, 1, time(8, 0), time(11, 0), 30, "Phòng tiếp công dân"
    )
    world.slot = make_conference(
        world.ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=timedelta(days=3),
        title=reception.SLOT_TITLE,
        schedule_id=world.schedule.id,
    )
    # The resident's reception booking in another slot (w.slot stays free to move into),
    # and an entry of the reception record.
    world.reception_booking = services.book(
        make_conference(
            world.ward,
            kind=SessionKind.RECEPTION,
            capacity=1,
            starts_in=timedelta(days=4),
            title=reception.SLOT_TITLE,
        ),
        user=world.resident,
        question="Cấp phép xây dựng",
    )
    world.record = records.record_reception(
        world.staff,
        records.RecordInput(
            received_at=utcnow() - timedelta(hours=1),
            visitor_name="Ông Đến Trực Tiếp",
            visitor_phone="0987 654 321",
            visitor_address="Tổ 5, phường Bồ Đề",
            kind="petition",
            matter="Đề nghị lắp đèn ngõ 12",
        ),
    )
    # The resident's feedback with a photo, the ward's categories and a canned reply.
    world.feedback = make_feedback(
        world.ward, world.resident, attachments=[Upload("anh.png", b"\x89PNG\r\n\x1a\n" + bytes(8))]
    )
    world.attachment = feedback_queries.attachments_of(world.feedback)[0]
    # A caller's feedback on the same matter, that the resident's can be merged into.
    world.duplicate = make_feedback(world.ward)
    world.category = feedback_categories.category_by_code(world.ward.id, "environment")
    world.canned = feedback_canned.save_canned(world.staff, "Đã tiếp nhận", "Đã tiếp nhận.")
    world.api_key, _ = keys.issue_key(world.admin, "Test client", None)
    # A procedure of the ward's catalogue and a dossier returned with its rating link.
    satisfaction_catalogue.provide_defaults(world.ward.id)
    world.procedure = satisfaction_catalogue.procedures(world.ward.id)[0]
    world.dossier = satisfaction_dossiers.register_dossier(
        world.staff,
        world.ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=world.procedure.id,
            receipt_number="BN-2026-0001",
            received_at=utcnow() - timedelta(days=1),
        ),
    )
    world.rating_token = satisfaction_dossiers.return_dossier(world.staff, world.dossier)
    world.kiosk = satisfaction_kiosks.issue_enrolment(
        world.chairman, "Quầy 1", world.staff.id
    ).device
    # The supervisor's recommendation to the chairman, waiting for an answer.
    world.recommendation = supervision.send(
        world.supervisor,
        supervision.RecommendationInput("dossier", "BN-2026-0001", "Hồ sơ trễ", "Đề nghị làm rõ."),
    )
    world.delegation = satisfaction_delegations.create_delegation(
        world.chairman,
        satisfaction_delegations.DelegationInput(
            decision_number="01/QĐ-UBND",
            decision_date=local_today(),
            officer_id=world.staff.id,
            procedure_ids=[world.procedure.id],
            valid_from=local_today(),
            valid_to=local_today() + timedelta(days=365),
        ),
    )
    db.session.commit()
    return world


@pytest.fixture(scope="session")
def guard_app(database_url):
    """An app without CSRF checks, so the table tests access alone (one per backend)."""
    app = isolate_requests(create_app(make_config(database_url, WTF_CSRF_ENABLED=False)))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def guard_client(guard_app, guard_world: World):
    return guard_app.test_client()


def form_data(data, world: World) -> dict | None:
    """A row's form data: as given, or made from the world (data naming another record)."""
    return data(world) if callable(data) else data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_guard(guard_client, guard_world: World, endpoint: str, role: str):
    method, url_for_world, data, expected = ROUTES[endpoint]
    client = login_as(guard_client, guard_world.by_name(role))
    url = url_for_world(guard_world)
    data = form_data(data, guard_world)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    response.close()
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    view = guard_client.application.view_functions[endpoint]
    if role == "anonymous" and isinstance(getattr(view, "access", None), frozenset):
        assert response.headers["Location"].startswith("/login?next="), "anonymous must log in"
