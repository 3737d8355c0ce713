"""Working days for statutory deadlines: dates read off the State Council's notices,
properties of add and count over every kind of span, unknown years, and the
calendar: block of site_config.yaml read through the project's own YAML reader."""

from __future__ import annotations

import random
from datetime import date, timedelta

import chinese_calendar
import pytest

from gongkai.diagnostics import Problems
from gongkai.fields import Fields
from gongkai.source import parse_yaml
from gongkai.workdays import CONFIG_LABELS, Calendar, UnknownYear, read_calendar

DAY = timedelta(days=1)
PACKAGE = Calendar()
FIRST = min(d.year for d in chinese_calendar.holidays)  # what the installed package answers for
LAST = max(d.year for d in chinese_calendar.holidays)
VERSION = chinese_calendar.__version__


def days(first: date, last: date) -> list[date]:
    return [first + DAY * i for i in range((last - first).days + 1)]


def brute_count(cal: Calendar, start: date, end: date) -> int:
    """Working days in (start, end], one day at a time."""
    return sum(cal.is_workday(d) for d in days(start + DAY, end))


# -- dates from the notices ------------------------------------------------------------------

# (start, n, deadline), each counted by hand from the notice of that year.
NOTICE_DEADLINES = [
    # 2019 国庆: 10月1日至7日放假调休；9月29日（星期日）、10月12日（星期六）上班
    (date(2019, 9, 20), 20, date(2019, 10, 23)),
    (date(2019, 9, 27), 1, date(2019, 9, 29)),
    (date(2019, 9, 30), 1, date(2019, 10, 8)),
    (date(2019, 10, 11), 1, date(2019, 10, 12)),
    # 2024 春节: 2月10日至17日放假调休；2月4日（星期日）、2月18日（星期日）上班
    (date(2024, 2, 1), 20, date(2024, 3, 5)),
    (date(2024, 2, 9), 1, date(2024, 2, 18)),
    # 2024 国庆: 10月1日至7日放假调休；9月29日（星期日）、10月12日（星期六）上班
    (date(2024, 9, 27), 1, date(2024, 9, 29)),
    (date(2024, 9, 27), 3, date(2024, 10, 8)),
    # 2023 中秋国庆: 9月29日至10月6日放假调休；10月7日（星期六）、10月8日（星期日）上班
    (date(2023, 9, 27), 1, date(2023, 9, 28)),
    (date(2023, 9, 27), 5, date(2023, 10, 10)),
    (date(2023, 9, 28), 1, date(2023, 10, 7)),
    # 2025 国庆中秋: 10月1日至8日放假调休；9月28日（周日）、10月11日（周六）上班
    (date(2025, 9, 26), 1, date(2025, 9, 28)),
    (date(2025, 9, 26), 3, date(2025, 9, 30)),
    (date(2025, 9, 26), 6, date(2025, 10, 11)),
    # 2025 元旦: 1月1日（周三）放假1天，不调休 — across the year end
    (date(2024, 12, 31), 1, date(2025, 1, 2)),
    # 2026 元旦: 1月1日至3日放假调休；1月4日（周日）上班
    (date(2025, 12, 31), 1, date(2026, 1, 4)),
    # 2026 春节: 2月15日至23日放假调休；2月14日（周六）、2月28日（周六）上班
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    # 2020 春节, as extended by 国办发明电〔2020〕1号 to 2月2日 (and the 2月1日 make-up day dropped)
    (date(2020, 1, 22), 3, date(2020, 2, 4)),
]


@pytest.mark.parametrize(("start", "n", "deadline"), NOTICE_DEADLINES)
def test_deadlines_from_the_notices(start, n, deadline):
    assert PACKAGE.add(start, n) == deadline
    assert PACKAGE.count(start, deadline) == n


def test_2020_spring_festival_follows_the_extension_notice():
    """chinesecalendar has the national extension to 2月2日 (not the later local ones):
    1月31日 is a holiday and 2月1日 no longer a make-up day; 1月19日 still is one."""
    assert not PACKAGE.is_workday(date(2020, 1, 31))
    assert not PACKAGE.is_workday(date(2020, 2, 1))
    assert PACKAGE.is_workday(date(2020, 1, 19))
    assert PACKAGE.is_workday(date(2020, 2, 3))


# 国务院办公厅关于2024年部分节假日安排的通知, as written in the notice.
NOTICE_2024_OFF = ["2024-01-01", "2024-02-10 至 2024-02-17", "2024-04-04 至 2024-04-06", "2024-05-01 至 2024-05-05",
                   "2024-06-10", "2024-09-15 至 2024-09-17", "2024-10-01 至 2024-10-07"]
NOTICE_2024_ON = ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
                  "2024-09-29", "2024-10-12"]


def expand(items: list[str]) -> set[date]:
    result = set()
    for item in items:
        first, _, last = item.partition(" 至 ")
        result.update(days(date.fromisoformat(first), date.fromisoformat(last or first)))
    return result


def test_every_day_of_2024_as_the_notice_says():
    off, on = expand(NOTICE_2024_OFF), expand(NOTICE_2024_ON)
    for day in days(date(2024, 1, 1), date(2024, 12, 31)):
        expected = day in on or (day.weekday() < 5 and day not in off)
        assert PACKAGE.is_workday(day) == expected, day
    assert all(PACKAGE.is_workday(day) for day in on)  # every 调休 day is a working day
    assert PACKAGE.count(date(2023, 12, 31), date(2024, 12, 31)) == 251  # 2024 had 251 working days


def test_agrees_with_the_package_on_every_day_it_knows():
    for day in days(date(FIRST, 1, 1), date(LAST, 12, 31)):
        assert PACKAGE.is_workday(day) == chinese_calendar.is_workday(day), day


# -- properties ----------------------------------------------------------------------------


def starts() -> list[date]:
    """Every 11th day of the known years (up to 60 working days before the end), and
    the last and first days of each year."""
    spread = days(date(FIRST, 1, 1), date(LAST, 8, 31))[::11]
    ends = [date(y, 12, d) for y in range(FIRST, LAST) for d in (24, 28, 30, 31)] + [date(y, 1, 1) for y in range(FIRST, LAST)]
    return spread + ends


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 10, 15, 20, 30, 60])
def test_add_is_the_first_day_the_count_reaches_n(n):
    for start in starts():
        deadline = PACKAGE.add(start, n)
        assert PACKAGE.count(start, deadline) == n, start
        assert PACKAGE.is_workday(deadline), start
        assert PACKAGE.count(start, deadline - DAY) == n - 1, start


def test_count_is_the_sum_of_working_days():
    rng = random.Random(9)
    lo, hi = date(FIRST, 1, 1).toordinal(), date(LAST, 12, 31).toordinal()
    for _ in range(300):
        a = date.fromordinal(rng.randint(lo - 1, hi))
        b = date.fromordinal(rng.randint(a.toordinal(), min(hi, a.toordinal() + rng.choice([3, 40, 400, 3000]))))
        assert PACKAGE.count(a, b) == brute_count(PACKAGE, a, b), (a, b)


def test_count_is_antisymmetric_and_additive():
    rng = random.Random(201)
    lo, hi = date(FIRST, 1, 1).toordinal(), date(LAST, 12, 31).toordinal()
    for _ in range(500):
        a, b, c = (date.fromordinal(rng.randint(lo, hi)) for _ in range(3))
        assert PACKAGE.count(a, b) == -PACKAGE.count(b, a)
        assert PACKAGE.count(a, a) == 0
        assert PACKAGE.count(a, b) + PACKAGE.count(b, c) == PACKAGE.count(a, c)
        assert PACKAGE.count_known(a, b) == (PACKAGE.count(a, b), True)


def test_add_rejects_a_count_below_one():
    with pytest.raises(ValueError):
        PACKAGE.add(date(2024, 1, 2), 0)


# -- unknown years ------------------------------------------------------------------------------


def assert_unknown(err: UnknownYear, year: int) -> None:
    message = str(err)
    assert err.year == year
    assert f"没有 {year} 年的节假日安排" in message
    assert f"chinesecalendar {VERSION} 只含 {FIRST}—{LAST} 年" in message
    assert "-m pip install -U chinesecalendar" in message
    assert "site_config.yaml 的 calendar:" in message and f'"{year}":' in message and "notice" in message


@pytest.mark.parametrize("year", [LAST + 1, FIRST - 1])  # 2027 and 2003 for chinesecalendar 1.11.0
def test_a_year_the_package_does_not_know_is_an_error(year):
    for call in (lambda: PACKAGE.is_workday(date(year, 3, 2)),
                 lambda: PACKAGE.count(date(year, 1, 5), date(year, 2, 5)),
                 lambda: PACKAGE.add(date(year, 6, 1), 1)):
        with pytest.raises(UnknownYear) as caught:
            call()
        assert_unknown(caught.value, year)
    assert not PACKAGE.known(year) and PACKAGE.known(LAST) and PACKAGE.known(FIRST)


def test_spans_into_an_unknown_year():
    with pytest.raises(UnknownYear) as caught:
        PACKAGE.count(date(LAST, 12, 1), date(LAST + 1, 1, 10))
    assert_unknown(caught.value, LAST + 1)
    with pytest.raises(UnknownYear) as caught:
        PACKAGE.count(date(LAST + 1, 1, 10), date(LAST, 12, 1))  # either direction
    assert_unknown(caught.value, LAST + 1)
    with pytest.raises(UnknownYear) as caught:
        PACKAGE.add(date(LAST, 12, 20), 20)
    assert_unknown(caught.value, LAST + 1)
    with pytest.raises(UnknownYear):
        PACKAGE.add(date(FIRST, 1, 1), 10**9)  # far beyond every known year: still the plain error
    # The start day is not counted: a span from Dec 31 of an unknown year is known.
    assert PACKAGE.count(date(FIRST - 1, 12, 31), date(FIRST, 1, 31)) == brute_count(PACKAGE, date(FIRST - 1, 12, 31),
                                                                                      date(FIRST, 1, 31))
    assert PACKAGE.add(date(FIRST - 1, 12, 31), 1) == next(d for d in days(date(FIRST, 1, 1), date(FIRST, 1, 31))
                                                        if chinese_calendar.is_workday(d))


def test_count_known_counts_the_known_part():
    inside = brute_count(PACKAGE, date(LAST, 12, 1), date(LAST, 12, 31))
    assert PACKAGE.count_known(date(LAST, 12, 1), date(LAST + 1, 3, 1)) == (inside, False)
    assert PACKAGE.count_known(date(LAST + 1, 3, 1), date(LAST, 12, 1)) == (-inside, False)
    before = brute_count(PACKAGE, date(FIRST - 1, 12, 31), date(FIRST, 1, 20))
    assert PACKAGE.count_known(date(FIRST - 5, 6, 1), date(FIRST, 1, 20)) == (before, False)
    assert PACKAGE.count_known(date(LAST + 1, 1, 1), date(LAST + 3, 1, 1)) == (0, False)
    assert PACKAGE.count_known(date(LAST + 1, 1, 1), date(LAST + 1, 1, 1)) == (0, True)
    assert PACKAGE.count_known(date.min, date.max)[1] is False


def test_what_the_package_calendar_knows():
    assert PACKAGE.last_known() == date(LAST, 12, 31)
    assert PACKAGE.describe() == f"{FIRST}—{LAST} 年（chinesecalendar {VERSION}）"


# -- site_config.yaml ---------------------------------------------------------------------------

NOTICE_YEAR = LAST + 1  # a year only site_config.yaml knows (2027 for chinesecalendar 1.11.0)


def read(yaml_text: str) -> tuple[Calendar, Problems, Fields]:
    problems = Problems()
    doc = parse_yaml(yaml_text, "site_config.yaml", problems)
    assert doc is not None and not problems, problems.report()
    root = Fields(doc, "site_config.yaml", problems, CONFIG_LABELS)
    return read_calendar(root), problems, root


def good(yaml_text: str) -> Calendar:
    cal, problems, root = read(yaml_text)
    assert not problems and root.ok, problems.report()
    return cal


def year_block(year: int = NOTICE_YEAR, holidays: str = "[{y}-01-01, {y}-02-08 至 {y}-02-12]",
               workdays: str = "[{y}-02-14]", notice: str = "国办发明电〔{p}〕9号") -> str:
    """A year as the spec writes it (a made-up notice: the dates are only test data)."""
    lines = [f'  "{year}":']
    for key, value in (("notice", notice), ("holidays", holidays), ("workdays", workdays)):
        if value is not None:
            lines.append(f"    {key}: {value.format(y=year, p=year - 1)}")
    return "calendar:\n" + "\n".join(lines) + "\n"


def test_no_calendar_block_is_the_package():
    for text in ("{}\n", "calendar:\n", "calendar: {}\n", "calendar: []\n"):
        cal, problems, root = read(text)
        assert not problems and root.ok and cal == PACKAGE


def test_a_year_with_its_notice_is_known_and_applied():
    y = NOTICE_YEAR
    cal = good(year_block())
    assert cal.known(y) and cal.last_known() == date(y, 12, 31)
    assert cal.describe() == f"{FIRST}—{LAST} 年（chinesecalendar {VERSION}），以及 site_config.yaml 中的 {y} 年"
    for day in days(date(y, 1, 1), date(y, 12, 31)):
        off = day == date(y, 1, 1) or date(y, 2, 8) <= day <= date(y, 2, 12)
        expected = day == date(y, 2, 14) or (day.weekday() < 5 and not off)
        assert cal.is_workday(day) == expected, day
    assert cal.count(date(LAST, 12, 1), date(y, 3, 1)) == brute_count(cal, date(LAST, 12, 1), date(y, 3, 1))
    assert cal.count_known(date(LAST, 12, 1), date(y, 3, 1))[1]
    start = date(y, 2, 5)  # the n-th working day, day by day
    for n in range(1, 40):
        expected = [d for d in days(start + DAY, start + DAY * 80) if cal.is_workday(d)][n - 1]
        assert cal.add(start, n) == expected
    with pytest.raises(UnknownYear) as caught:
        cal.is_workday(date(y + 1, 1, 4))
    assert f"site_config.yaml 的 calendar: 另含 {y} 年" in str(caught.value)


def test_a_year_apart_from_the_known_run():
    y = LAST + 3
    cal = good(year_block(y))
    assert cal.known(y) and not cal.known(LAST + 1)
    assert cal.last_known() == date(LAST, 12, 31)
    with pytest.raises(UnknownYear) as caught:
        cal.count(date(LAST, 12, 1), date(y, 3, 1))
    assert caught.value.year == LAST + 1
    assert cal.count_known(date(LAST, 12, 30), date(y, 1, 5)) == (
        brute_count(cal, date(LAST, 12, 30), date(LAST, 12, 31)) + brute_count(cal, date(y - 1, 12, 31), date(y, 1, 5)),
        False)


@pytest.mark.parametrize("mark", ["至", " 至 ", "~", " ~ ", "—", " — ", "——", "～"])
def test_range_marks(mark):
    y = NOTICE_YEAR
    cal = good(year_block(holidays=f"['{y}-01-01', '{y}-02-08{mark}{y}-02-12']"))
    assert [cal.is_workday(d) for d in days(date(y, 2, 7), date(y, 2, 15))] == \
        [d.weekday() < 5 and not date(y, 2, 8) <= d <= date(y, 2, 12) or d == date(y, 2, 14)
         for d in days(date(y, 2, 7), date(y, 2, 15))]


def test_block_lists_and_single_dates():
    y = NOTICE_YEAR
    text = f'calendar:\n  "{y}":\n    notice: 国办发明电〔{y - 1}〕9号\n    holidays:\n      - {y}-01-01\n      - {y}-02-08 至 {y}-02-12\n' \
           f"    workdays: {y}-02-14\n"
    assert good(text) == good(year_block())


def test_a_local_holiday_in_a_known_year_shifts_a_deadline():
    """2026-05-06 (Wed) off locally: the deadline after 劳动节 moves one working day."""
    cal = good('calendar:\n  "2026":\n    holidays: [2026-05-06]\n')
    start = date(2026, 4, 30)
    assert PACKAGE.add(start, 3) == date(2026, 5, 8)
    assert cal.add(start, 3) == date(2026, 5, 9)  # 5月9日（周六）is the notice's make-up day
    for n in range(1, 30):
        assert cal.add(start, n) == PACKAGE.add(start, n + 1)  # the local day is the first working day after start
    assert cal.count(start, date(2026, 12, 31)) == PACKAGE.count(start, date(2026, 12, 31)) - 1
    assert "site_config.yaml 另调整了 2026 年的日期" in cal.describe()
    assert cal.last_known() == PACKAGE.last_known()


def test_corrections_in_a_known_year():
    """A workday on a Saturday, a holiday on a make-up Sunday, a notice for a known year."""
    cal = good('calendar:\n  "2024":\n    notice: 国办发明电〔2023〕7号\n'
               '    holidays: [2024-02-04]\n    workdays: [2024-03-02, 2024-03-05]\n')
    assert cal.is_workday(date(2024, 3, 2)) and not PACKAGE.is_workday(date(2024, 3, 2))
    assert not cal.is_workday(date(2024, 2, 4)) and PACKAGE.is_workday(date(2024, 2, 4))
    assert cal.is_workday(date(2024, 3, 5))  # already one: no change
    assert cal.count(date(2023, 12, 31), date(2024, 12, 31)) == 251
    for a, b in ((date(2024, 1, 1), date(2024, 3, 31)), (date(2023, 6, 1), date(2025, 6, 1))):
        assert cal.count(a, b) == brute_count(cal, a, b)


# -- config errors, each at its file, line and field ----------------------------------------------

Y = NOTICE_YEAR
# (YAML, text on the line reported, field, phrase)
ERRORS = [
    ("calendar: 2027\n", "calendar: 2027", "calendar", "应为映射"),
    ("calendar:\n  - 2027\n", "calendar:", "calendar", "应为映射"),
    ('calendar:\n  "2024":\n    holidays: [2024-05-06]\n  abc:\n    notice: x\n', "abc:", "calendar.abc", "不是年份"),
    ('calendar:\n  "27":\n    notice: x\n', '"27":', "calendar.27", "四位年份"),
    ('calendar:\n  "0001":\n    notice: x\n', '"0001":', "calendar.0001", "四位年份"),
    ('calendar:\n  "2026": [2026-05-06]\n', '"2026":', "calendar.2026", "应为映射"),
    (f'calendar:\n  "{Y}":\n    holidays: [{Y}-01-01]\n', f'"{Y}":', f"calendar.{Y}", "须写 notice"),
    (f'calendar:\n  "{Y}":\n    notice: ""\n    holidays: [{Y}-01-01]\n', f'"{Y}":', f"calendar.{Y}", "不会被采用"),
    (f'calendar:\n  "{Y}":\n', f'"{Y}":', f"calendar.{Y}", "须写 notice"),
    (f'calendar:\n  "{Y}":\n    notice: 国办发明电\n    workdays: [{Y}-02-14]\n', f'"{Y}":',
     f"calendar.{Y}.holidays", "没有 holidays"),
    (year_block(holidays="[{y}-01-01, {y}-12-31 至 {y}-01-01]"), "holidays:", f"calendar.{Y}.holidays", "结束日早于开始日"),
    ('calendar:\n  "2026":\n    holidays:\n      - 2026-05-06\n      - 2025-12-31\n', "- 2025-12-31",
     "calendar.2026.holidays", "不在 2026 年内"),
    ('calendar:\n  "2026":\n    workdays:\n      - 2026-05-06 至 2027-01-02\n', "- 2026-05-06 至 2027-01-02",
     "calendar.2026.workdays", "跨年的请把 2027 年的日子"),
    ('calendar:\n  "2026":\n    holidays:\n      - 2026-02-30\n', "- 2026-02-30", "calendar.2026.holidays", "不是可读的日期"),
    ('calendar:\n  "2026":\n    holidays:\n      - 2026/05/06\n', "- 2026/05/06", "calendar.2026.holidays", "YYYY-MM-DD"),
    ('calendar:\n  "2026":\n    holidays:\n      - 五月六日\n', "- 五月六日", "calendar.2026.holidays", "不是可读的日期"),
    ('calendar:\n  "2026":\n    holidays:\n      - 2026-05-06 到 2026-05-08\n', "- 2026-05-06 到", "calendar.2026.holidays",
     "不是可读的日期"),
    ('calendar:\n  "2026":\n    holidays:\n      - 2026-5-6\n', "- 2026-5-6", "calendar.2026.holidays", "不是可读的日期"),
    ('calendar:\n  "2026":\n    holidays:\n      - {a: b}\n', "- {a: b}", "calendar.2026.holidays", "应为一个日期"),
    ('calendar:\n  "2026":\n    holidays: [2026-05-06, 2026-05-08]\n    workdays: [2026-05-08]\n', "workdays:",
     "calendar.2026.workdays", "同时写在 holidays"),
    ('calendar:\n  "2026":\n    holidays: [2026-05-04 至 2026-05-08]\n    workdays: [2026-05-09, 2026-05-06]\n', "workdays:",
     "calendar.2026.workdays", "2026-05-06 同时写在"),
    ('calendar:\n  "2026":\n    holiday: [2026-05-06]\n', "holiday:", "calendar.2026.holiday", "是否想写 holidays"),
    ('calendar:\n  "2026":\n    notice: [a, b]\n', "notice:", "calendar.2026.notice", "应为一段文本"),
]


def line_of(yaml_text: str, needle: str) -> int:
    return next(i for i, text in enumerate(yaml_text.split("\n"), 1) if needle in text)


@pytest.mark.parametrize(("yaml_text", "where", "field", "phrase"), ERRORS)
def test_config_errors(yaml_text, where, field, phrase):
    cal, problems, root = read(yaml_text)
    assert not root.ok
    found = [(p.path, p.line, p.field) for p in problems.items if phrase in p.message]
    assert found == [("site_config.yaml", line_of(yaml_text, where), field)], problems.report()
    # the year with a mistake is left out; the package still answers
    assert cal.is_workday(date(2026, 5, 6)) and not cal.known(Y)


def test_a_mistake_in_one_year_keeps_the_others():
    cal, problems, root = read(year_block() + '  "2026":\n    holidays: [2026-05-06]\n  "2025":\n    holidays: [2025-13-01]\n')
    assert not root.ok and len(problems) == 1
    assert cal.known(Y) and not cal.is_workday(date(2026, 5, 6))


def test_notice_for_a_known_year_is_fine():
    cal = good('calendar:\n  "2025":\n    notice: 国办发明电〔2024〕12号\n')
    assert cal == Calendar(cal.overrides) and cal.describe() == PACKAGE.describe()
    assert all(cal.is_workday(d) == PACKAGE.is_workday(d) for d in days(date(2025, 1, 1), date(2025, 12, 31)))


def test_a_year_before_the_package_with_its_notice():
    y = FIRST - 1
    cal = good(year_block(y))
    assert cal.known(y) and cal.last_known() == date(LAST, 12, 31)
    assert f"以及 site_config.yaml 中的 {y} 年" in cal.describe()
    assert cal.add(date(y, 2, 7), 1) == date(y, 2, 13)  # the block's 2月8日至12日 off
    assert cal.count(date(y, 12, 1), date(FIRST, 2, 1)) == brute_count(cal, date(y, 12, 1), date(FIRST, 2, 1))
