"""Officers' side of satisfaction: the ward's dossier register (list, entry, CSV import),
returning a dossier with its printed rating slip, the desk's rating tablet, and the
procedure catalogue (edited by the city administrator, read by the ward's officials). The
Fatherland Front supervisor may look but not act."""

from __future__ import annotations

import csv

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.models import User
from portal.auth.phones import mask_phone
from portal.db import folded_search, utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.feedback import workflow as feedback_workflow
from portal.feedback.labels import names
from portal.forms import input_from, int_or_none, options
from portal.notifications import history
from portal.paging import Page, paginate
from portal.params import page_arg, text_arg
from portal.qrcode import qr_markup
from portal.satisfaction import catalogue as procedure_catalogue
from portal.satisfaction import delegations as signing_delegations
from portal.satisfaction import dossiers as dossier_register
from portal.satisfaction import exchange as dossier_exchange
from portal.satisfaction import kiosks as kiosk_devices
from portal.satisfaction import labels, policy, ratings
from portal.satisfaction import messages as rating_messages
from portal.satisfaction import queries as satisfaction_queries
from portal.satisfaction import tokens as satisfaction_tokens
from portal.satisfaction.forms import (
    CsvUploadForm,
    DelegationForm,
    DossierForm,
    KioskDeviceForm,
    ProcedureForm,
    RatingForm,
    ReturnForm,
    rating_input,
)
from portal.satisfaction.models import (
    Delegation,
    Dossier,
    KioskDevice,
    Procedure,
    SatisfactionRating,
)
from portal.satisfaction.screens import kiosk_screen
from portal.security import (
    CITY_ADMINS,
    WARD_MANAGERS,
    WARD_OFFICERS,
    WARD_OFFICIALS,
    get_in_ward_or_404,
    may_open,
    role_required,
)
from portal.timeutil import local_zone, office_date, to_utc
from portal.wards.models import Ward
from portal.wards.services import enabled_wards, get_ward_by_slug
from portal.web import commit, flash_form_errors, no_store, perform, show_error, submit

bp = Blueprint("satisfaction_staff", __name__, url_prefix="/staff/satisfaction")

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of a search (receipt number or procedure name words)


def _uploaded_text(form: CsvUploadForm) -> str | None:
    """The uploaded file as text: UTF-8, with or without a byte-order mark; otherwise None
    and a message on the form."""
    try:
        return form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors = [
            *form.file.errors,
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” and upload it again."),
        ]
        return None


def _import(form: CsvUploadForm, run):
    """Run a CSV import on an uploaded file: the report, or None with the problem on the form."""
    text = _uploaded_text(form)
    if text is None:
        return None
    try:
        report = run(text)
    except DomainError as error:
        show_error(form, error)
        return None
    except csv.Error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, _("The file could not be read as CSV.")]
        return None
    commit()
    return report


# ---------------------------------------------------------------- dossiers


def _dossier_rows(ward_id: int, q: str, page: int) -> Page:
    """One page of the ward's dossiers, newest first, as flat rows (two queries in all)."""
    query = (
        sa.select(
            Dossier.id,
            Dossier.receipt_number,
            Dossier.received_at,
            Dossier.due_on,
            Dossier.returned_at,
            Dossier.timeliness,
            Dossier.token_used_at,
            Procedure.name_vi,
            Procedure.name_en,
        )
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.ward_id == ward_id)
    )
    found = folded_search([Dossier.search_text, Procedure.search_text], q)
    if found is not None:
        query = query.where(found)
    order = (Dossier.received_at.desc(), Dossier.id.desc())
    return paginate(query, Dossier.id, order, page, PAGE_SIZE)


@bp.get("/dossiers")
@role_required(WARD_OFFICIALS)
def dossiers():
    """The ward's dossiers, newest first, 50 to a page, searched by receipt number or
    procedure name (without diacritics, words in any order)."""
    q = text_arg("q", SEARCH_MAX)
    return render_template(
        "satisfaction/dossiers.html",
        q=q,
        page=_dossier_rows(current_user.ward_id, q, page_arg()),
        timeliness=names(labels.TIMELINESS),
        english=str(get_locale()) == "en",
    )


def _procedure_options(ward_id: int) -> list:
    locale = str(get_locale())
    pairs = [
        (p.id, f"{p.field(locale)} · {p.name(locale)}" if p.field(locale) else p.name(locale))
        for p in procedure_catalogue.procedures(ward_id)
    ]
    return options(pairs, _("Choose…"))


@bp.route("/dossiers/new", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def new_dossier():
    """Register a dossier received at the one-stop desk."""
    ward_id = current_user.ward_id
    form = DossierForm()
    form.procedure_id.choices = _procedure_options(ward_id)
    form.receiving_officer_id.choices = options(
        (u.id, u.full_name) for u in feedback_workflow.officers(ward_id)
    )
    if not form.is_submitted():
        form.receiving_officer_id.data = str(current_user.id)
    if form.validate_on_submit():
        data = dossier_register.DossierInput(
            procedure_id=int_or_none(form.procedure_id.data),
            receipt_number=form.receipt_number.data,
            received_at=to_utc(form.received_at.data),
            returned_at=to_utc(form.returned_at.data),
            extra_visits=form.extra_visits.data or 0,
            agencies_involved=form.agencies_involved.data or 1,
            receiving_officer_id=int_or_none(form.receiving_officer_id.data),
            applicant_phone=form.applicant_phone.data or "",
        )
        done = submit(
            form,
            lambda: dossier_register.register_dossier(current_user, ward_id, data),
            lambda item: _("Dossier %(number)s has been registered.", number=item.receipt_number),
            lambda item: url_for("satisfaction_staff.dossier", dossier_id=item.id),
        )
        if done:
            return done
    return render_template("satisfaction/dossier_form.html", form=form), (
        422 if form.errors else 200
    )


@bp.route("/dossiers/import", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def import_dossiers():
    """Register or update dossiers from the one-stop software's CSV export (the portal's
    columns or the national names): the good rows are kept and the bad ones listed by line
    with the reason. A dossier the file returns gets its rating link and code, shown on this
    page once (never cached)."""
    ward_id = current_user.ward_id
    form = CsvUploadForm()
    report = None
    if form.validate_on_submit():
        report = _import(
            form, lambda text: dossier_exchange.import_dossiers_csv(current_user, ward_id, text)
        )
    slips = [
        (
            number,
            url_for("satisfaction.rate", token=issued.token, _external=True),
            satisfaction_tokens.format_short_code(issued.short_code),
        )
        for number, issued in (report.slips if report else [])
    ]
    body = render_template(
        "satisfaction/dossier_import.html", form=form, report=report, slips=slips
    )
    return no_store(body, 422 if form.errors else 200)


@bp.get("/dossiers/<int:dossier_id>")
@role_required(WARD_OFFICIALS)
def dossier(dossier_id: int):
    """One dossier: dates and timeliness, its rating link, the rating; returning it."""
    item = get_in_ward_or_404(Dossier, dossier_id)
    rating = db.session.execute(
        sa.select(SatisfactionRating).where(SatisfactionRating.dossier_id == item.id)
    ).scalar_one_or_none()
    issued_by = db.session.get(User, item.token_issued_by_id) if item.token_issued_by_id else None
    return render_template(
        "satisfaction/dossier.html",
        dossier=item,
        rating=rating,
        issued_by=issued_by,
        may=policy.dossier_allowed(current_user, item),
        return_form=_return_form(item, submitted=False),
        messages=history.about(rating_messages.about(item)),
        now=utcnow(),
    )


def delegation_label(delegation: Delegation) -> str:
    """ "KT. CHỦ TỊCH – Trần Thị Công (Quyết định số 12/QĐ-UBND ngày 01/12/2026)"."""
    return _(
        "On the chairman's behalf: %(officer)s (decision no. %(number)s of %(day)s)",
        officer=delegation.officer.full_name,
        number=delegation.decision_number,
        day=office_date(delegation.decision_date),
    )


def _return_form(dossier: Dossier, *, submitted: bool) -> ReturnForm:
    """The return form, its signers those who may sign this dossier now (or, for a new
    slip, at its return): the chairman and the delegations valid then for its procedure."""
    form = ReturnForm() if submitted else ReturnForm(formdata=None)
    moment = dossier.returned_at or utcnow()
    chairman = signing_delegations.ward_chairman(dossier.ward_id)
    pairs = [
        (
            signing_delegations.CHAIRMAN,
            _("The chairman: %(name)s", name=chairman.full_name) if chairman else _("The chairman"),
        )
    ]
    usable = signing_delegations.usable_delegations(dossier, moment)
    if dossier.delegation is not None and dossier.delegation not in usable:
        usable.append(dossier.delegation)  # what was recorded stays choosable on a new slip
    pairs += [(d.id, delegation_label(d)) for d in usable]
    form.signer.choices = options(pairs)
    if not submitted:
        form.signer.data = str(dossier.delegation_id or signing_delegations.CHAIRMAN)
    return form


def _chosen_delegation(value: str | None) -> int | None:
    """The signer's choice -> the delegation's id, None for the chairman (or no choice)."""
    if not value or value == signing_delegations.CHAIRMAN:
        return None
    chosen = int_or_none(value)
    if chosen is None:
        raise DomainError(signing_delegations.NOT_THIS_WARD, "signer")
    return chosen


@bp.post("/dossiers/<int:dossier_id>/return")
@role_required(WARD_OFFICERS)
def return_dossier(dossier_id: int):
    """Hand the dossier back and print the slip with its one-time rating link and QR code.
    The page is rendered, never redirected to: the link exists only in this response."""
    item = get_in_ward_or_404(Dossier, dossier_id)
    target = url_for("satisfaction_staff.dossier", dossier_id=item.id)
    form = _return_form(item, submitted=True)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        phone = rating_messages.phone_for_link(form.sms_phone.data)
        issued = dossier_register.return_for_slip(
            current_user,
            item,
            extra_visits=form.extra_visits.data,
            delegation_id=_chosen_delegation(form.signer.data),
        )
    except DomainError as error:
        show_error(None, error)
        return redirect(target)
    link = url_for("satisfaction.rate", token=issued.token, _external=True)
    ward = db.session.get(Ward, item.ward_id)
    sent = phone is not None and rating_messages.send_rating_link(item, ward, phone, link)
    commit()
    body = render_template(
        "satisfaction/slip.html",
        dossier=item,
        ward=ward,
        sent_to=mask_phone(phone) if sent else None,
        link=link,
        qr=qr_markup(link),
        short_code=satisfaction_tokens.format_short_code(issued.short_code),
        code_page=url_for("satisfaction.enter_code", slug=ward.slug, _external=True),
    )
    return no_store(body)


# ---------------------------------------------------------------- the desk's tablet


def _kiosk_page(dossier: Dossier | None, form: RatingForm, status: int = 200):
    return kiosk_screen(
        current_user.ward_id, dossier, form, "satisfaction_staff.kiosk_rate", status=status
    )


@bp.get("/kiosk")
@role_required(WARD_OFFICERS)
def kiosk():
    """The tablet at the desk: the rating form of the dossier this officer returned last,
    or a waiting screen that looks again every 10 seconds."""
    return _kiosk_page(satisfaction_queries.kiosk_dossier(current_user), RatingForm())


@bp.post("/kiosk/<int:dossier_id>")
@role_required(WARD_OFFICERS)
def kiosk_rate(dossier_id: int):
    """A resident rates at the tablet; the screen then resets for the next one."""
    item = get_in_ward_or_404(Dossier, dossier_id)
    form = RatingForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: ratings.rate_at_kiosk(current_user, item, rating_input(form)),
            _("Thank you! Your rating has been recorded."),
            url_for("satisfaction_staff.kiosk"),
        )
        if done:
            return done
    return _kiosk_page(item, form, 422)


# ---------------------------------------------------------------- enrolled kiosks


def _device_form(*, submitted: bool) -> KioskDeviceForm:
    form = KioskDeviceForm() if submitted else KioskDeviceForm(formdata=None)
    form.officer_id.choices = options(
        ((u.id, u.full_name) for u in feedback_workflow.officers(current_user.ward_id)),
        _("Choose…"),
    )
    return form


def _devices_page(form: KioskDeviceForm, status: int = 200):
    devices = kiosk_devices.ward_devices(current_user.ward_id)
    body = render_template(
        "satisfaction/kiosks.html",
        devices=devices,
        may={d.id: policy.device_allowed(current_user, d) for d in devices},
        working={d.id for d in devices if policy.device_works(d)},
        form=form,
        now=utcnow(),
    )
    return no_store(body, status)


@bp.get("/kiosks")
@role_required(WARD_MANAGERS)
def kiosks():
    """The ward's rating tablets (desk, officer, who enrolled it, last seen) and the form to
    enrol one (the chairman)."""
    return _devices_page(_device_form(submitted=False))


@bp.post("/kiosks")
@role_required(WARD_MANAGERS)
def enrol_kiosk():
    """Issue a tablet's enrolment code and show it this once: it is stored only as a hash,
    never flashed or put in an address."""
    form = _device_form(submitted=True)
    if form.validate_on_submit():
        try:
            enrolment = kiosk_devices.issue_enrolment(
                current_user, form.desk_name.data, int_or_none(form.officer_id.data)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            body = render_template("satisfaction/kiosk_code.html", enrolment=enrolment)
            return no_store(body)
    return _devices_page(form, 422)


@bp.post("/kiosks/<int:device_id>/revoke")
@role_required(WARD_MANAGERS)
def revoke_kiosk(device_id: int):
    """Revoke a tablet (or its unused code): its kiosk stops at the next page it loads."""
    device = get_in_ward_or_404(KioskDevice, device_id)
    return perform(
        lambda: kiosk_devices.revoke(current_user, device),
        lambda _result: _("The tablet of %(desk)s has been revoked.", desk=device.desk_name),
        url_for("satisfaction_staff.kiosks"),
    )


# ---------------------------------------------------------------- delegated signing


def _delegation_form(*, submitted: bool) -> DelegationForm:
    ward_id = current_user.ward_id
    form = DelegationForm() if submitted else DelegationForm(formdata=None)
    form.officer_id.choices = options(
        ((u.id, u.full_name) for u in signing_delegations.delegable_officers(ward_id)),
        _("Choose…"),
    )
    locale = str(get_locale())
    form.procedure_ids.choices = [
        (p.id, f"{p.name(locale)} ({p.code})" if p.code else p.name(locale))
        for p in procedure_catalogue.procedures(ward_id)
    ]
    return form


def _delegations_page(form: DelegationForm | None, status: int = 200):
    items = signing_delegations.ward_delegations(current_user.ward_id)
    now = utcnow()
    return render_template(
        "satisfaction/delegations.html",
        delegations=items,
        may={d.id: policy.delegation_allowed(current_user, d, now) for d in items},
        form=form,
        today=now.astimezone(local_zone()).date(),
    ), status


@bp.get("/delegations")
@role_required(WARD_OFFICIALS)
def delegations():
    """The ward's signing delegations (ủy quyền ký), current and past, and for the
    chairman the form to record a new decision."""
    may_delegate = policy.may_delegate(current_user, current_user.ward_id)
    return _delegations_page(_delegation_form(submitted=False) if may_delegate else None)


@bp.post("/delegations")
@role_required(WARD_MANAGERS)
def create_delegation():
    """Record a delegation decision (the chairman)."""
    form = _delegation_form(submitted=True)
    if form.validate_on_submit():
        data = input_from(
            form,
            signing_delegations.DelegationInput,
            officer_id=int_or_none(form.officer_id.data),
            procedure_ids=list(form.procedure_ids.data or []),
        )
        done = submit(
            form,
            lambda: signing_delegations.create_delegation(current_user, data),
            lambda item: _(
                "The delegation of decision no. %(number)s has been recorded.",
                number=item.decision_number,
            ),
            url_for("satisfaction_staff.delegations"),
        )
        if done:
            return done
    return _delegations_page(form, 422)


@bp.post("/delegations/<int:delegation_id>/revoke")
@role_required(WARD_MANAGERS)
def revoke_delegation(delegation_id: int):
    """Revoke a delegation now (the chairman): it stays listed, marked revoked."""
    item = get_in_ward_or_404(Delegation, delegation_id)
    return perform(
        lambda: signing_delegations.revoke(current_user, item),
        lambda _result: _(
            "The delegation of decision no. %(number)s has been revoked.",
            number=item.decision_number,
        ),
        url_for("satisfaction_staff.delegations"),
    )


# ---------------------------------------------------------------- the procedure catalogue


def _ward_from_args() -> Ward | None:
    """The ward whose catalogue is shown: the administrator picks one of the served wards
    with ?ward=<slug>; officials always see their own ward's."""
    if current_user.role not in CITY_ADMINS:
        return current_user.ward
    slug = request.args.get("ward", "")
    return get_ward_by_slug(slug) if slug else None


@bp.get("/catalogue")
@role_required(WARD_OFFICIALS, CITY_ADMINS)
def catalogue():
    """A ward's procedures with their legal time limits (read-only for the ward's officials)."""
    ward = _ward_from_args()
    if ward is None:
        if current_user.role not in CITY_ADMINS:
            abort(403)
        return render_template("satisfaction/catalogue.html", ward=None, wards=enabled_wards())
    return render_template(
        "satisfaction/catalogue.html",
        ward=ward,
        items=procedure_catalogue.procedures(ward.id, active_only=False),
        editable=may_open("satisfaction_staff.edit_procedure"),
    )


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<int:procedure_id>", methods=["GET", "POST"])
@role_required(CITY_ADMINS)
def edit_procedure(procedure_id: int | None = None):
    """Add a procedure to a ward's catalogue, or change one (the city administrator)."""
    procedure = get_in_ward_or_404(Procedure, procedure_id) if procedure_id else None
    ward = db.session.get(Ward, procedure.ward_id) if procedure else _ward_from_args()
    if ward is None:
        abort(404)
    form = ProcedureForm(obj=procedure)
    if form.validate_on_submit():
        data = input_from(form, procedure_catalogue.ProcedureInput)
        done = submit(
            form,
            lambda: procedure_catalogue.save_procedure(current_user, ward.id, data, procedure),
            _("The procedure has been saved."),
            url_for("satisfaction_staff.catalogue", ward=ward.slug),
        )
        if done:
            return done
    return render_template(
        "satisfaction/procedure_form.html", form=form, procedure=procedure, ward=ward
    ), (422 if form.errors else 200)


@bp.route("/catalogue/import", methods=["GET", "POST"])
@role_required(CITY_ADMINS)
def import_procedures():
    """Add or update a ward's procedures from a CSV file (matched by Vietnamese name)."""
    ward = _ward_from_args()
    if ward is None:
        abort(404)
    form = CsvUploadForm()
    report = None
    if form.validate_on_submit():
        report = _import(
            form,
            lambda text: procedure_catalogue.import_procedures_csv(current_user, ward.id, text),
        )
    return render_template(
        "satisfaction/procedure_import.html", form=form, report=report, ward=ward
    ), (422 if form.errors else 200)
