"""公开时限: a category's update rule, parsed from the words an office writes, and the
date it makes the next update due.

Three kinds: 长期 (standing information, never due), N个工作日 (each item within N
working days of being formed, 条例 §26), and periodic rules (每月, 每季度, 每半年, 每年, with
an optional day: 每月10日前, 每年3月31日前, 每季度结束后15日内). A periodic rule makes the next
update due after the period of the newest item: the newest item dated in November
answers for November, so 每月 wants the next one by the end of December.
"""

from __future__ import annotations

import calendar as month_lengths
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from ...workdays import Calendar

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


class Period(Enum):
    MONTH = (1, "月")
    QUARTER = (3, "季度")
    HALF = (6, "半年")
    YEAR = (12, "年")

    @property
    def months(self) -> int:
        return self.value[0]


_PERIODS = {"月": Period.MONTH, "季": Period.QUARTER, "季度": Period.QUARTER, "半年": Period.HALF, "年": Period.YEAR}


@dataclass(frozen=True)
class Rule:
    text: str  # as the catalog writes it, shown on pages
    standing: bool = False  # 长期
    workdays: int | None = None  # N个工作日 from formation
    period: Period | None = None
    day: int | None = None  # 每月D日前: day D of the next month
    month_day: tuple[int, int] | None = None  # 每年M月D日前
    lag: int | None = None  # 结束后N日 / N个工作日: after the end of the newest item's period
    lag_workdays: bool = False

    @property
    def needs_calendar(self) -> bool:
        return self.workdays is not None or self.lag_workdays

    def next_due(self, newest: date, cal: Calendar) -> date:
        """When the update after the one published on `newest` is due (periodic rules)."""
        end = period_end(newest, self.period)
        if self.lag is not None:
            return cal.add(end, self.lag) if self.lag_workdays else end + timedelta(days=self.lag)
        following = end + timedelta(days=1)
        if self.month_day:
            month, day = self.month_day
            return date(following.year, month, min(day, month_lengths.monthrange(following.year, month)[1]))
        if self.day:
            return following.replace(day=min(self.day, month_lengths.monthrange(following.year, following.month)[1]))
        return period_end(following, self.period)


def period_end(day: date, period: Period) -> date:
    """The last day of the calendar month, quarter, half-year or year containing day."""
    last_month = ((day.month - 1) // period.months + 1) * period.months
    return date(day.year, last_month, month_lengths.monthrange(day.year, last_month)[1])


_STANDING = re.compile(r"^(?:长期|长期公开|常态|常年)$")
_WORKDAYS = re.compile(r"^(?:.*?(?:之日|日)起)?(\d{1,3})个?工作日(?:内)?(?:公开|予以公开|更新)?$")
_PERIODIC = re.compile(
    r"^每(月|季度|季|半年|年)"
    r"(?:(?P<day>\d{1,2})[日号](?:之?前|以前)?"
    r"|(?P<month>\d{1,2})月(?P<mday>\d{1,2})[日号](?:之?前|以前)?"
    r"|结束(?:后|之日起|之日后|之后)(?P<lag>\d{1,3})(?P<unit>个工作日|日|天)(?:内)?)?"
    r"(?:更新|公开)?$"
)

SYNTAX = ("长期；N个工作日（如 20个工作日，即信息形成或者变更之日起20个工作日内）；"
          "每月、每季度、每半年、每年；每月10日前；每年3月31日前；每季度结束后15日内；每月结束后5个工作日内")


def parse(text: str) -> Rule | str:
    """The rule, or why the text is not one (in Chinese)."""
    words = _normalise(text)
    if _STANDING.match(words):
        return Rule(text, standing=True)
    match = _PERIODIC.match(words)  # before N个工作日: 每月结束之日起5个工作日内 is periodic
    if not match and (event := _WORKDAYS.match(words)):
        count = int(event[1])
        return Rule(text, workdays=count) if count >= 1 else "工作日数应至少为 1"
    if not match:
        return f"无法识别“{text}”。可写：{SYNTAX}"
    period = _PERIODS[match[1]]
    if match["day"]:
        day = int(match["day"])
        if period is not Period.MONTH:
            return f"“{text}”：只有“每月”可以写几日前；每年的截止日请写成 每年3月31日前"
        return Rule(text, period=period, day=day) if 1 <= day <= 31 else f"“{text}”：日期 {day} 不存在"
    if match["month"]:
        month, day = int(match["month"]), int(match["mday"])
        if period is not Period.YEAR:
            return f"“{text}”：几月几日前只能用于“每年”"
        if not (1 <= month <= 12 and 1 <= day <= month_lengths.monthrange(2024, month)[1]):
            return f"“{text}”：{month}月{day}日不存在"
        return Rule(text, period=period, month_day=(month, day))
    if match["lag"]:
        lag = int(match["lag"])
        return Rule(text, period=period, lag=lag, lag_workdays=match["unit"] == "个工作日")
    return Rule(text, period=period)


def _normalise(text: str) -> str:
    """Full-width digits and 二十 as 20; spaces, and the 「信息」 words around, dropped."""
    words = re.sub(r"[\s\u3000]", "", text.translate(_DIGITS))
    return re.sub(r"[一二两三四五六七八九十]+", _chinese_number, words)


def _chinese_number(match: re.Match) -> str:
    """二十 → 20, 十五 → 15, 三 → 3 (numbers up to 99, as deadlines are written)."""
    text = match[0]
    if "十" not in text:
        return str(_CN_NUMBERS[text]) if len(text) == 1 else text
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or (tens and tens not in _CN_NUMBERS) or (ones and ones not in _CN_NUMBERS):
        return text
    return str((_CN_NUMBERS[tens] if tens else 1) * 10 + (_CN_NUMBERS[ones] if ones else 0))
