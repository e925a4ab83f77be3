"""The main menu: each entry is shown exactly when its page would let the person in, as the
route's own `role_required` declares (so the menu and the routes cannot disagree)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.security import may_open

# (endpoint, label, shown only if this other entry is not)
MAIN_MENU = (
    ("dialogues.my_bookings", _l("My bookings"), None),
    ("feedback.mine", _l("My feedback"), None),
    ("dialogues_staff.index", _l("Dialogues"), None),
    ("reception.staff_index", _l("Citizen reception"), None),
    ("feedback_staff.inbox", _l("Feedback"), None),
    ("satisfaction_staff.dossiers", _l("Dossiers"), None),
    ("dashboard.index", _l("Dashboard"), None),
    ("supervision.index", _l("Supervision"), None),
    ("manage.users", _l("Officials"), None),
    ("manage.wards", _l("Manage wards"), None),
    ("api_keys.index", _l("API keys"), None),
    ("audit.index", _l("Audit trail"), None),
    # The ward's officials reach the procedures from the dossiers' menu.
    ("satisfaction_staff.catalogue", _l("Procedures"), "satisfaction_staff.dossiers"),
)


def main_menu() -> tuple[tuple[str, str], ...]:
    """(address, label) of the entries the signed-in person may open. What a route lets in
    depends on the role alone (security.may_open), so each app keeps the menu of each role in
    each language (under each script root) once worked out."""
    role = current_user.role if current_user.is_authenticated else None
    key = (role, str(get_locale()), request.script_root)
    menus = current_app.extensions.setdefault("portal.main_menu", {})
    menu = menus.get(key)
    if menu is None:
        menu = menus[key] = tuple(
            (url_for(endpoint), str(label))
            for endpoint, label, unless in MAIN_MENU
            if may_open(endpoint) and not (unless and may_open(unless))
        )
    return menu
