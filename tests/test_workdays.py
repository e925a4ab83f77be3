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


def test_the_holiday_table_agrees_with_the_installed_package():
    """The table (read by workers instead of the 11 MB package) is the package's, year by year:
    when a new `holidays` release changes a year, rewrite it with `python -m portal.workdays`."""
    from portal import workdays

    table = workdays._table()
    assert sorted(table) == list(workdays.TABLE_YEARS)
    for year in workdays.TABLE_YEARS:
        assert table[year] == workdays.package_holidays(year), year


def test_years_outside_the_table_ask_the_package():
    from portal import workdays

    assert 2080 not in workdays.TABLE_YEARS
    assert workdays._holidays_of(2080) == workdays.package_holidays(2080)
    assert date(2080, 9, 2) in workdays._holidays_of(2080)  # National Day


def test_counting_reads_the_table_without_importing_the_package():
    import subprocess
    import sys

    code = (
        "import sys; from datetime import date; from portal.workdays import add_working_days;"
        "assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23);"
        "print('holidays' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
