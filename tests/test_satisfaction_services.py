"""Satisfaction rules: catalogue, dossiers and their CSV import, deadlines, one-time tokens
(30 racing submissions record one rating), the neutral refusal, scores, and the feedback case
a dissatisfied rating opens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World
from test_dialogues_concurrency import race

from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.feedback.models import Channel, Feedback, FeedbackStatus
from portal.satisfaction import cases, catalogue, dossiers, exchange, ratings, tokens
from portal.satisfaction import queries as satisfaction_queries
from portal.satisfaction.models import (
    Attitude,
    Dossier,
    Level,
    Procedure,
    RatingChannel,
    SatisfactionRating,
    Timeliness,
)
from portal.wards import services as ward_services


def hanoi(y, m, d, hour=9, minute=0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def procedure(world, name="Đăng ký hộ kinh doanh") -> Procedure:
    catalogue.provide_defaults(world.ward.id)
    return db.session.execute(
        sa.select(Procedure).where(Procedure.ward_id == world.ward.id, Procedure.name_vi == name)
    ).scalar_one()


def dossier(world, number="BN-001", *, received=None, name="Đăng ký hộ kinh doanh", **extra):
    data = dossiers.DossierInput(
        procedure_id=procedure(world, name).id,
        receipt_number=number,
        received_at=received or hanoi(2026, 12, 1),
        **extra,
    )
    return dossiers.register_dossier(world.staff, world.ward.id, data, now=hanoi(2026, 12, 31))


def all_ratings() -> list[SatisfactionRating]:
    return list(db.session.execute(sa.select(SatisfactionRating)).scalars())


# ---------------------------------------------------------------- catalogue


def test_catalogue_is_given_once_when_a_ward_is_enabled(world):
    assert catalogue.procedures(world.unserved_ward.id) == []
    ward_services.set_enabled(world.unserved_ward, True)
    assert len(catalogue.procedures(world.unserved_ward.id)) == 15
    assert catalogue.provide_defaults(world.ward.id) == 0  # an enabled ward has it already
    ward_services.set_enabled(world.ward, True)
    assert len(catalogue.procedures(world.ward.id)) == 15
    names = {p.name_vi for p in catalogue.procedures(world.ward.id)}
    assert "Chứng thực bản sao từ bản chính giấy tờ, văn bản" in names
    birth = procedure(world, "Đăng ký khai sinh")
    assert (birth.code, birth.field_vi, birth.time_limit_days) == ("1.001193", "Hộ tịch", 0)


def test_only_the_admin_edits_the_catalogue(world, english):
    data = catalogue.ProcedureInput(code="9.999", name_vi="Thủ tục thử", time_limit_days=3)
    with pytest.raises(PermissionDenied):
        catalogue.save_procedure(world.chairman, world.ward.id, data)
    saved = catalogue.save_procedure(world.admin, world.ward.id, data)
    assert saved.time_limit_days == 3
    bad = catalogue.ProcedureInput(code="x" * 30, name_vi="", time_limit_days=-1)
    with pytest.raises(DomainError) as caught:
        catalogue.save_procedure(world.admin, world.ward.id, bad)
    assert set(caught.value.errors) == {"code", "name_vi", "time_limit_days"}


def test_catalogue_csv_keeps_good_rows_and_reports_bad_ones(world, english):
    text = (
        "code,name_vi,name_en,field_vi,field_en,time_limit_days\n"
        "2.000815,Chứng thực bản sao,Certified copy,Chứng thực,Certification,0\n"
        ",,Nameless,,,2\n"
        "1.1,Thủ tục B,,Khác,,abc\n"
        "1.2,Thủ tục C,,Khác,,7\n"
        "1.3,Chứng thực bản sao,,Chứng thực,,1\n"
    )
    report = catalogue.import_procedures_csv(world.admin, world.ward.id, text)
    assert (report.created, report.updated) == (2, 1)
    assert [line for line, _ in report.errors] == [3, 4]
    assert "Vietnamese name" in report.errors[0][1]
    copy = db.session.execute(
        sa.select(Procedure).where(Procedure.name_vi == "Chứng thực bản sao")
    ).scalar_one()
    assert copy.time_limit_days == 1
    with pytest.raises(DomainError, match="lacks the columns"):
        catalogue.import_procedures_csv(world.admin, world.ward.id, "code,name\n1,x\n")


# ---------------------------------------------------------------- dossiers


def test_due_dates_in_working_days_and_the_three_pm_rule(app):
    assert dossiers.due_date(hanoi(2026, 12, 1, 10), 3) == date(2026, 12, 4)
    assert dossiers.due_date(hanoi(2026, 12, 1, 10), 0) == date(2026, 12, 1)
    assert dossiers.due_date(hanoi(2026, 12, 1, 15, 30), 0) == date(2026, 12, 2)
    assert dossiers.due_date(hanoi(2026, 12, 5, 10), 0) == date(2026, 12, 7)  # a Saturday
    assert dossiers.due_date(hanoi(2027, 2, 3, 16), 0) == date(2027, 2, 11)  # Tết follows


def test_register_a_dossier(world):
    item = dossier(world, received=hanoi(2026, 12, 1, 10))
    assert item.due_on == date(2026, 12, 4)
    assert item.receiving_officer_id == world.staff.id
    assert item.timeliness is None


def test_register_refuses_bad_input_at_once(world, english):
    dossier(world, "BN-1")
    data = dossiers.DossierInput(
        procedure_id=999999,
        receipt_number="BN-1",
        received_at=None,
        extra_visits=-1,
        receiving_officer_id=world.staff_other.id,
    )
    with pytest.raises(DomainError) as caught:
        dossiers.register_dossier(world.staff, world.ward.id, data)
    assert set(caught.value.errors) == {
        "procedure_id",
        "receipt_number",
        "received_at",
        "extra_visits",
        "receiving_officer_id",
    }
    duplicate = dossiers.DossierInput(
        procedure_id=procedure(world).id, receipt_number="BN-1", received_at=hanoi(2026, 12, 2)
    )
    with pytest.raises(DomainError, match="already exists"):
        dossiers.register_dossier(world.staff, world.ward.id, duplicate)
    with pytest.raises(PermissionDenied):
        dossiers.register_dossier(world.staff_other, world.ward.id, duplicate)


def test_dossier_csv_import(world, english):
    catalogue.provide_defaults(world.ward.id)
    dossier(world, "BN-OLD")
    text = (
        "receipt_number,procedure,received_at,returned_at,extra_visits,officer_phone\n"
        "BN-100,1.001612,2026-12-01 09:00,2026-12-03 10:00,0,\n"
        "BN-101,Đăng ký khai sinh,01/12/2026 16:00,,1,\n"
        "BN-102,9.999999,2026-12-01 09:00,,,\n"
        "BN-103,1.001612,2026-13-45 09:00,,,\n"
        "BN-OLD,1.001612,2026-12-01 09:00,,,\n"
        "BN-104,1.001612,2026-12-01 09:00,,,0999999999\n"
    )
    report = exchange.import_dossiers_csv(world.staff, world.ward.id, text, now=hanoi(2026, 12, 31))
    assert report.created == 2
    assert [line for line, _ in report.errors] == [4, 5, 6, 7]
    assert "unknown procedure" in report.errors[0][1]
    assert "bad date" in report.errors[1][1]
    assert "already exists" in report.errors[2][1]
    assert "unknown officer" in report.errors[3][1]
    business = db.session.execute(
        sa.select(Dossier).where(Dossier.receipt_number == "BN-100")
    ).scalar_one()
    assert business.timeliness == Timeliness.EARLY  # due 4 December, back on the 3rd
    birth = db.session.execute(
        sa.select(Dossier).where(Dossier.receipt_number == "BN-101")
    ).scalar_one()
    assert birth.due_on == date(2026, 12, 2) and birth.extra_visits == 1


# ---------------------------------------------------------------- tokens and ratings


def test_return_issues_a_hashed_expiring_token(world, app):
    item = dossier(world, received=hanoi(2026, 12, 1, 10))
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 7, 10))
    assert len(raw) >= 43  # 32 random bytes
    assert item.token_hash == tokens.hash_token(raw) and raw not in item.token_hash
    assert item.timeliness == Timeliness.LATE  # due 4 December
    assert item.token_issued_by_id == world.staff.id
    assert item.token_expires_at - item.token_issued_at == timedelta(days=30)
    assert tokens.dossier_for_token(raw, now=hanoi(2026, 12, 8)) is item


def test_a_rating_is_recorded_once_with_its_score(world):
    item = dossier(world, received=hanoi(2026, 12, 1, 10))
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3, 10))
    data = ratings.RatingInput(level="very_satisfied", attitude="good", comment="Nhanh")
    rating = ratings.rate(raw, data, now=hanoi(2026, 12, 4))
    assert rating.level == Level.VERY_SATISFIED and rating.channel == RatingChannel.LINK
    assert (rating.timeliness, rating.contacts_needed, rating.score) == (Timeliness.EARLY, 0, 10)
    assert rating.officer_id == world.staff.id and rating.issued_by_id == world.staff.id
    with pytest.raises(tokens.InvalidToken):
        ratings.rate(raw, data, now=hanoi(2026, 12, 4))


def test_every_bad_token_gets_the_same_answer(world, english):
    item = dossier(world)
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3))
    data = ratings.RatingInput(level="satisfied")
    answers = set()
    for token, now in (
        ("guessed-" + "x" * 40, hanoi(2026, 12, 4)),
        ("", hanoi(2026, 12, 4)),
        ("x" * 500, hanoi(2026, 12, 4)),
        (raw, hanoi(2027, 1, 3)),  # 31 days later: expired
    ):
        with pytest.raises(tokens.InvalidToken) as caught:
            ratings.rate(token, data, now=now)
        answers.add(str(caught.value.message))
    ratings.rate(raw, data, now=hanoi(2026, 12, 4))
    with pytest.raises(tokens.InvalidToken) as caught:
        ratings.rate(raw, data, now=hanoi(2026, 12, 4))
    answers.add(str(caught.value.message))
    assert len(answers) == 1
    assert len(all_ratings()) == 1


def test_dissatisfied_needs_a_reason_and_opens_a_case(world, english):
    item = dossier(world, "BN-9")
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3))
    with pytest.raises(DomainError, match="why you are dissatisfied") as caught:
        ratings.rate(raw, ratings.RatingInput(level="dissatisfied"), now=hanoi(2026, 12, 4))
    assert set(caught.value.errors) == {"reason"}
    assert tokens.dossier_for_token(raw, now=hanoi(2026, 12, 4)) is item  # not used up
    rating = ratings.rate(
        raw,
        ratings.RatingInput(level="dissatisfied", reason="Phải đi lại ba lần", attitude="poor"),
        now=hanoi(2026, 12, 4),
    )
    case = db.session.get(Feedback, rating.feedback_id)
    assert case.channel == Channel.SATISFACTION and case.status == FeedbackStatus.RECEIVED
    assert case.ward_id == world.ward.id and case.category.code == "procedures"
    assert "BN-9" in case.body and "Phải đi lại ba lần" in case.body
    assert case.due_on > date(2026, 12, 4)
    assert cases.rating_for_feedback(case.id) is rating


def test_level_must_be_one_of_three(world, english):
    item = dossier(world)
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3))
    with pytest.raises(DomainError, match="three answers"):
        ratings.rate(raw, ratings.RatingInput(level="ecstatic"), now=hanoi(2026, 12, 4))


def test_a_rated_dossier_gets_no_new_token(world, english):
    item = dossier(world)
    raw = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3))
    ratings.rate(raw, ratings.RatingInput(level="satisfied"), now=hanoi(2026, 12, 4))
    with pytest.raises(StateConflict, match="already been rated"):
        dossiers.return_dossier(world.staff, item)


def test_reissuing_replaces_the_unused_token(world):
    item = dossier(world)
    first = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3))
    second = dossiers.return_dossier(world.staff, item, now=hanoi(2026, 12, 3, 11))
    with pytest.raises(tokens.InvalidToken):
        tokens.dossier_for_token(first, now=hanoi(2026, 12, 4))
    assert tokens.dossier_for_token(second, now=hanoi(2026, 12, 4)) is item


def test_kiosk_shows_the_officers_last_returned_dossier(world, english):
    first = dossier(world, "BN-1")
    second = dossier(world, "BN-2")
    now = datetime.now(UTC)
    dossiers.return_dossier(world.staff, first, now=now - timedelta(minutes=5))
    dossiers.return_dossier(world.staff, second, now=now - timedelta(minutes=1))
    assert satisfaction_queries.kiosk_dossier(world.staff, now=now) is second
    assert satisfaction_queries.kiosk_dossier(world.chairman, now=now) is None
    rating = ratings.rate_at_kiosk(
        world.staff, second, ratings.RatingInput(level="satisfied"), now=now
    )
    assert rating.channel == RatingChannel.KIOSK
    assert satisfaction_queries.kiosk_dossier(world.staff, now=now) is first
    with pytest.raises(StateConflict, match="already been rated"):
        ratings.rate_at_kiosk(world.staff, second, ratings.RatingInput(level="satisfied"))
    with pytest.raises(PermissionDenied):
        ratings.rate_at_kiosk(world.staff_other, first, ratings.RatingInput(level="satisfied"))


def test_scores():
    # indicators 1, 2, 3, 4 and 7 (tests/test_national_index.py has each one)
    assert ratings.score_of(Timeliness.EARLY, 0, Attitude.GOOD) == 10
    assert ratings.score_of(Timeliness.ON_TIME, 1, None) == 6
    assert ratings.score_of(Timeliness.LATE, 3, Attitude.POOR) == 2
    assert ratings.score_of(None, 0, Attitude.GOOD) is None


def test_thirty_simultaneous_submissions_record_one_rating(app, world: World):
    """Half through the slip's link, half with its short code: one permission, one rating."""
    item = dossier(world)
    issued = dossiers.return_for_slip(world.staff, item, now=datetime.now(UTC))
    db.session.commit()
    ward_id, number = item.ward_id, item.receipt_number

    def submit(i: int) -> str:
        data = ratings.RatingInput(level="satisfied", comment=str(i))
        if i % 2:
            rating = ratings.rate_with_code(ward_id, number, issued.short_code, data)
        else:
            rating = ratings.rate(issued.token, data)
        assert rating.id
        return "rated"

    outcomes = race(app, 30, submit)
    assert not [o for o in outcomes if str(o).startswith("CRASH")], outcomes
    assert outcomes["rated"] == 1
    assert sum(n for o, n in outcomes.items() if str(o).startswith("refused")) == 29
    db.session.rollback()  # end this thread's read snapshot (SQLite WAL) to see the others'
    assert len(all_ratings()) == 1
