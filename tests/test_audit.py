"""The audit trail: every change an official or administrator makes is recorded with who,
role, what, which record, when and from where, in the same transaction as the change (a
refused action leaves no entry); downloads of personal data too. The chairman and the
supervisor read their ward's entries, the administrator all; nobody can change or delete an
entry (the ORM refuses, and on PostgreSQL the database itself, whatever the role).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_feedback, post_form, text_of
from test_dialogues_views import conference_form

from portal.audit import services as audit
from portal.audit.labels import ACTIONS, NOT_AUDITED
from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.dialogues.models import DialogueSession
from portal.extensions import db
from portal.security import OFFICIALS
from portal.timeutil import local_today

EN = {"Accept-Language": "en"}


def entries(**where) -> list[AuditEntry]:
    db.session.rollback()
    query = sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
    return list(db.session.execute(query).scalars())


def test_an_officer_s_reply_is_recorded_with_who_what_which_and_where(client, world: World):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    answer = post_form(
        client,
        f"/staff/feedback/{item.id}/reply",
        {"body": "Đã cử tổ môi trường thu gom.", "answer": "y"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302

    (entry,) = entries(action="feedback_staff.reply")
    assert (entry.actor_id, entry.actor_name, entry.actor_role) == (
        world.staff.id,
        "Trần Thị Công",
        "staff",
    )
    assert (entry.ward_id, entry.target_type, entry.target_id) == (
        world.ward.id,
        "feedback",
        item.id,
    )
    assert entry.client_address == "127.0.0.1"
    assert entry.created_at is not None
    # nothing of the record's content: the reply's words stay with the feedback
    assert "thu gom" not in str(entry.detail or "")


def test_a_refused_action_leaves_no_entry(client, world: World):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    assert post_form(client, f"/staff/feedback/{item.id}/close", {}).status_code == 409
    assert entries(action="feedback_staff.close") == []


def test_residents_own_actions_are_not_audited(client, world: World):
    login_as(client, world.resident)
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    post_form(client, f"/my/feedback/{item.code}/message", {"body": "Xin bổ sung ảnh."})
    assert entries() == [e for e in entries() if e.actor_role != "resident"]
    assert all(e.actor_id != world.resident.id for e in entries())


def test_a_new_record_is_named_in_its_entry(client, world: World):
    login_as(client, world.staff)
    assert post_form(client, "/staff/dialogues/new", conference_form()).status_code == 302
    (entry,) = entries(action="dialogues_staff.create")
    conference = db.session.execute(sa.select(DialogueSession)).scalar_one()
    assert (entry.target_type, entry.target_id) == ("conference", conference.id)


def test_disabling_an_account_is_recorded_in_that_account_s_ward(client, world: World):
    login_as(client, world.admin)
    assert (
        post_form(client, f"/manage/users/{world.staff.id}/active", {"value": "0"}).status_code
        == 302
    )
    (entry,) = entries(action="manage.set_user_active")
    assert (entry.actor_role, entry.ward_id, entry.target_id) == (
        "admin",
        world.ward.id,
        world.staff.id,
    )
    assert entry.detail == {"disabled": True}
    # the chairman of that ward reads it
    page = text_of(login_as(client, world.chairman).get("/staff/audit/", headers=EN))
    assert "Enabled or disabled an account" in page and "Quản Trị Viên" in page


def test_a_download_of_figures_is_recorded(client, world: World):
    login_as(client, world.chairman)
    answer = client.get("/dashboard/export/by-procedure.csv")
    assert answer.status_code == 200
    (entry,) = entries(action="dashboard_exports.export")
    assert entry.actor_id == world.chairman.id and entry.ward_id == world.ward.id
    assert entry.detail["table"] == "by-procedure" and entry.detail["format"] == "csv"
    # a refused download is not
    login_as(client, world.chairman).get("/dashboard/export/nothing.csv")
    assert len(entries(action="dashboard_exports.export")) == 1


def test_each_reader_sees_their_own_ward_s_entries(client, world: World):
    for actor, ward in ((world.staff, world.ward), (world.staff_other, world.other_ward)):
        with client.application.test_request_context():
            audit.record(
                "feedback_staff.note",
                actor=actor,
                ward_id=ward.id,
                target_type="feedback",
                target_id=1,
            )
    db.session.commit()

    def names(user, query=""):
        page = login_as(client, user).get(f"/staff/audit/{query}", headers=EN)
        listed = page.get_data(as_text=True).partition('class="timeline audit-entries"')[2]
        return {name for name in ("Trần Thị Công", "Phạm Thị Hưng") if name in listed}

    assert names(world.chairman) == {"Trần Thị Công"}
    assert names(world.supervisor) == {"Trần Thị Công"}
    assert names(world.admin) == {"Trần Thị Công", "Phạm Thị Hưng"}
    assert names(world.admin, f"?ward={world.other_ward.id}") == {"Phạm Thị Hưng"}
    assert login_as(client, world.staff).get("/staff/audit/").status_code == 403
    assert login_as(client, world.resident).get("/staff/audit/").status_code == 403


def test_entries_are_filtered_by_who_what_and_day(client, world: World):
    with client.application.test_request_context():
        audit.record("feedback_staff.note", actor=world.staff, ward_id=world.ward.id)
        audit.record("feedback_staff.close", actor=world.chairman, ward_id=world.ward.id)
    db.session.commit()
    login_as(client, world.chairman)

    def shown(query: str) -> str:
        page = client.get(f"/staff/audit/?{query}", headers=EN).get_data(as_text=True)
        return page.partition('role="search"')[2].partition("</form>")[2]  # not the filters

    assert "1 entry" in shown(f"actor={world.staff.id}")
    assert "Closed feedback" in shown("action=feedback_staff.close")
    assert "Added an internal note" not in shown("action=feedback_staff.close")
    today = local_today()
    assert "2 entries" in shown(f"from={today.isoformat()}&to={today.isoformat()}")
    assert "No entry matches." in shown(f"from={(today + timedelta(days=1)).isoformat()}")
    # nonsense filters are ignored, never a 500
    for query in (
        "actor=x",
        "action=drop",
        "from=2026-13-45",
        "id=99999999999999999999",
        "page=-3",
    ):
        assert client.get(f"/staff/audit/?{query}").status_code == 200


def test_an_entry_cannot_be_changed_or_deleted_through_the_application(app, world: World):
    with app.test_request_context():
        audit.record("feedback_staff.note", actor=world.staff, ward_id=world.ward.id)
    db.session.commit()
    entry = db.session.execute(sa.select(AuditEntry)).scalar_one()

    entry.actor_name = "Someone else"
    with pytest.raises(audit.AppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(audit.AppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(audit.AppendOnly):
        db.session.execute(sa.update(AuditEntry).values(actor_name="x"))
    db.session.rollback()
    with pytest.raises(audit.AppendOnly):
        db.session.execute(sa.delete(AuditEntry))
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).actor_name == "Trần Thị Công"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET actor_name = 'x'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ],
)
def test_postgresql_itself_refuses_to_change_an_entry(app, world: World, backend, statement):
    if backend != "postgresql":
        pytest.skip("the database's own refusal is PostgreSQL's trigger")
    with app.test_request_context():
        audit.record("feedback_staff.note", actor=world.staff, ward_id=world.ward.id)
    db.session.commit()
    with db.engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as refused:
        connection.exec_driver_sql(statement)
    assert "append-only" in str(refused.value)
    assert len(entries()) == 1


def test_every_change_an_official_can_make_is_audited_or_says_why_not(app):
    """A new route an official may post to must get a label in portal.audit.labels (or a
    reason in NOT_AUDITED): the audit trail cannot silently miss it."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not (rule.methods - {"GET", "HEAD", "OPTIONS"}):
            continue
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        declared = rule.endpoint in ACTIONS or rule.endpoint in NOT_AUDITED
        if isinstance(access, frozenset) and access & OFFICIALS and not declared:
            missing.append(rule.endpoint)
    assert missing == []
    assert not (ACTIONS.keys() & NOT_AUDITED.keys())


def test_entries_keep_the_name_the_official_had(client, world: World):
    with client.application.test_request_context():
        audit.record("feedback_staff.note", actor=world.staff, ward_id=world.ward.id)
    db.session.commit()
    db.session.get(User, world.staff.id).full_name = "Trần Thị Mới"
    db.session.commit()
    assert entries()[0].actor_name == "Trần Thị Công"


def test_an_official_s_login_is_recorded_a_resident_s_is_not(app, world: World):
    from conftest import PASSWORD

    for user in (world.chairman, world.resident):
        client = app.test_client()
        post_form(client, "/login", {"login": user.phone, "password": PASSWORD})
    (entry,) = entries(action="auth.login")
    assert entry.actor_id == world.chairman.id and entry.ward_id == world.ward.id


def test_every_detail_an_entry_may_hold_has_a_name():
    """The audit page names each detail in the reader's language: every key a service
    notes (`audit.note(key=...)`) or a job records (`detail={"key": ...}`) has a label."""
    import re
    from pathlib import Path

    from portal.audit.labels import DETAILS

    source = "\n".join(p.read_text() for p in Path("portal").rglob("*.py"))
    keys = set()
    for call in re.findall(r"audit\.note\(([^)]*)\)", source):
        keys |= set(re.findall(r"(\w+)=", call))
        keys |= set(re.findall(r'"(\w+)" if', call)) | set(re.findall(r'else "(\w+)"', call))
    for block in re.findall(r"detail=\{([^}]*)\}", source):
        keys |= set(re.findall(r'"(\w+)":', block))
    keys -= {"target_type", "target_id", "ward_id"}
    assert keys >= {"session_id", "over_capacity", "table", "enabled", "feedback"}
    assert keys - set(DETAILS) == set()
