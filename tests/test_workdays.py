"""Working days: weekends and Vietnamese public holidays do not count."""

from datetime import date

from portal.workdays import add_working_days, is_working_day, working_days_between


def test_weekends_and_holidays_are_not_working_days():
    assert is_working_day(date(2026, 11, 26))  # a Thursday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2027, 2, 8))  # Tết, a Monday
    assert not is_working_day(date(2026, 9, 2))  # National Day


def test_adding_working_days_skips_weekends():
    assert add_working_days(date(2026, 11, 26), 1) == date(2026, 11, 27)  # Thu -> Fri
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri -> Mon
    assert add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 30)  # Sat -> Mon


def test_ten_working_days_across_tet_2027():
    # Tết 2027 closes offices from Thu 4 to Wed 10 February.
    assert add_working_days(date(2027, 2, 1), 10) == date(2027, 2, 22)
    # The same count without the holidays would have ended on 15 February.
    assert working_days_between(date(2027, 2, 1), date(2027, 2, 15)) == 5


def test_working_days_between():
    assert working_days_between(date(2026, 12, 9), date(2026, 12, 15)) == 4
    assert working_days_between(date(2026, 12, 15), date(2026, 12, 9)) == 0
