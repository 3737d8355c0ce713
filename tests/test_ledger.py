"""信息公开任务分工台账 (issue 9): `build.py ledger` as of a date — every status for every
kind of 公开时限, the working days left counted on the State Council's calendar (dates
chosen across the 2024 Spring Festival, 2024 清明 and 2019 National Day, whose 调休
make-up days a weekday count gets wrong), the due_soon threshold at its boundary, the
逾期发布 count, grouping by 责任单位; `check --strict`; the inspection indicators;
years the calendar does not know.

Every expected figure below was counted by hand from the notices (国办发明电〔2018〕15号
for 2019, 〔2023〕7号 for 2024) and is written out, not computed by the code under test:
2024 春节 2月10日至17日放假，2月4日（星期日）、2月18日（星期日）上班；清明 4月4日至6日
放假，4月7日（星期日）上班；2019 国庆 10月1日至7日放假，9月29日（星期日）、10月12日
（星期六）上班.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from bs4 import BeautifulSoup
from test_catalog import Portal, interpretation, policy, write_all

A = "2024-03-01"  # a Friday, two weeks after the Spring Festival
HEADER = ["责任单位", "代码", "公开事项", "公开时限", "条目数", "最近更新", "下次截止", "剩余工作日", "状态", "逾期发布"]
ON_TIME, SOON, OVERDUE, EMPTY, UNKNOWN = "按期", "即将到期", "已逾期", "空栏目", "无法计算"


def jd(day: str) -> tuple:
    """An interpretation published (and formed) on day."""
    return ("jd", day)


def wj(written: str, published: str) -> tuple:
    """A policy document formed (成文) on written, published on published."""
    return ("wj", written, published)


# (root code, root name, owner, rule written at the root, [(leaf code, rule written at the leaf, items)])
ROOTS = [
    ("cq", "常设信息", "市政府办公室", "长期", [
        ("cq-an", None, [jd("2020-05-10")]),
        ("cq-kl", None, []),
        ("cq-wl", None, [jd("2024-03-05")]),  # published after the as-of date: nothing yet
    ]),
    ("gzr", "政策文件", "市政府办公室", "信息形成或者变更之日起20个工作日内", [
        ("gzr-an", None, [wj("2018-01-02", "2018-01-04")]),  # nothing pending
        ("gzr-an6", "２０个工作日内", [wj("2023-06-01", "2023-06-05"), wj("2024-02-06", "2024-03-20")]),
        ("gzr-jj", None, [wj("2023-06-01", "2023-06-05"), wj("2024-02-05", "2024-03-20")]),
        ("gzr-jt", "二十个工作日", [wj("2023-06-01", "2023-06-05"), wj("2024-01-30", "2024-03-04")]),
        ("gzr-yq", None, [wj("2023-06-01", "2023-06-05"), wj("2024-01-02", "2024-03-04"),
                          wj("2024-02-20", "2024-03-04")]),
        ("gzr-kl", None, []),
        # 2023 中秋国庆 9月29日至10月6日放假，10月7日（星期六）、8日（星期日）上班: 9月1日 + 20 = 10月7日
        ("gzr-cq", None, [wj("2023-09-01", "2023-10-07"), wj("2023-09-01", "2023-10-08"),
                          wj("2023-09-04", "2023-10-08")]),
    ]),
    ("my", "月度信息", "市统计局", "每月", [
        ("my-an", None, [jd("2024-01-15"), jd("2024-02-20")]),
        ("my-jj", None, [jd("2024-01-10")]),
        ("my-yq", None, [jd("2023-12-15")]),
        ("my-kl", None, []),
    ]),
    ("mj", "季度信息", "市统计局", "每季度", [
        ("mj-an", None, [jd("2024-01-15")]),
        ("mj-jj", None, [jd("2023-11-20")]),
        ("mj-yq", None, [jd("2023-08-10")]),
        ("mj-kl", None, []),
    ]),
    ("m10", "月报", "市统计局", "每月10日前", [
        ("m10-an", None, [jd("2024-03-01")]),  # published on the as-of date itself
        ("m10-jj", None, [jd("2024-02-05")]),
        ("m10-yq", None, [jd("2023-12-20")]),
        ("m10-kl", None, []),
        ("m10-cj", None, [jd("2024-01-15")]),  # due 2月10日, the first day of the Spring Festival
    ]),
    ("yh5", "月度统计", "市统计局", "每月结束后五个工作日内", [
        ("yh5-an", None, [jd("2024-03-01")]),
        ("yh5-jj", None, [jd("2024-02-10")]),
        ("yh5-yq", None, [jd("2024-01-10")]),
        ("yh5-kl", None, []),
    ]),
    ("mbn", "半年信息", "市财政局", "每半年", [
        ("mbn-an", None, [jd("2024-01-05")]),
        ("mbn-jj", None, [jd("2023-10-10")]),
        ("mbn-yq", None, [jd("2022-08-01")]),
        ("mbn-kl", None, []),
    ]),
    ("mn", "年度信息", "市财政局", "每年", [
        ("mn-an", None, [jd("2024-01-10")]),
        ("mn-jj", None, [jd("2023-03-01")]),
        ("mn-yq", None, [jd("2021-04-01")]),
        ("mn-kl", None, []),
    ]),
    ("n331", "决算", "市财政局", "每年3月31日前", [
        ("n331-an", None, [jd("2024-01-20")]),
        ("n331-jj", None, [jd("2023-05-01")]),
        ("n331-yq", None, [jd("2022-06-01")]),
        ("n331-kl", None, []),
    ]),
    ("jh15", "季报", "市财政局", "每季度结束后15日内", [
        ("jh15-an", None, [jd("2024-03-01")]),
        ("jh15-jj", None, [jd("2024-01-10")]),
        ("jh15-yq", None, [jd("2023-09-10")]),
        ("jh15-kl", None, []),
    ]),
    ("mz", "民政信息", "市民政局", None, [
        ("g19", "１０个工作日", [wj("2019-06-03", "2019-06-05"), wj("2019-09-27", "2019-10-30")]),
        ("y19", "每月结束后5个工作日内", [jd("2019-09-10")]),
    ]),
    ("fg", "发展规划", "市发展改革委", "每年", [("fg-an", None, [jd("2024-02-01")])]),
    ("sj", "审计信息", "市审计局", "长期", [("sj-an", None, [jd("2023-01-01")]), ("sj-kl", None, [])]),
]
ROOT_NAMES = {root: name for root, name, *_ in ROOTS}
LEAVES = {code: (root, owner, rule or root_rule, items)
          for root, _, owner, root_rule, leaves in ROOTS for code, rule, items in leaves}
OWNER_ORDER = ["市民政局", "市财政局", "市统计局", "市政府办公室", "市审计局", "市发展改革委"]  # by their worst row

# code: (status, due, working days left (negative: overdue), 逾期发布) as of 2024-03-01
AS_OF_A = {
    "cq-an": (ON_TIME, None, None, 0), "cq-kl": (EMPTY, None, None, 0), "cq-wl": (EMPTY, None, None, 0),
    "gzr-an": (ON_TIME, None, None, 0),
    "gzr-an6": (ON_TIME, "2024-03-11", 6, 0),  # due_soon + 1 left
    "gzr-jj": (SOON, "2024-03-08", 5, 0),  # exactly due_soon left: 2月5日 + 20, across the Spring Festival
    "gzr-jt": (SOON, "2024-03-01", 0, 0),  # due today
    "gzr-yq": (OVERDUE, "2024-01-30", -20, 0),  # the earliest pending item decides
    "gzr-kl": (EMPTY, None, None, 0),
    "gzr-cq": (ON_TIME, None, None, 1),  # published on 10月8日, one working day late; 10月7日 was in time
    "my-an": (ON_TIME, "2024-03-31", 20, 0), "my-jj": (OVERDUE, "2024-02-29", -1, 0),
    "my-yq": (OVERDUE, "2024-01-31", -19, 0), "my-kl": (EMPTY, None, None, 0),
    "mj-an": (ON_TIME, "2024-06-30", 82, 0), "mj-jj": (ON_TIME, "2024-03-31", 20, 0),
    "mj-yq": (OVERDUE, "2023-12-31", -41, 0), "mj-kl": (EMPTY, None, None, 0),
    "m10-an": (ON_TIME, "2024-04-10", 27, 0), "m10-jj": (SOON, "2024-03-10", 5, 0),
    "m10-yq": (OVERDUE, "2024-01-10", -34, 0), "m10-kl": (EMPTY, None, None, 0),
    "m10-cj": (OVERDUE, "2024-02-10", -11, 0),  # 2月18日（星期日）is the first working day after it
    "yh5-an": (ON_TIME, "2024-04-08", 25, 0),  # 3月31日 + 5 working days, 4月7日（星期日）among them
    "yh5-jj": (SOON, "2024-03-07", 4, 0),
    "yh5-yq": (OVERDUE, "2024-02-06", -14, 0),  # 1月31日 + 5 working days, 2月4日（星期日）among them
    "yh5-kl": (EMPTY, None, None, 0),
    "mbn-an": (ON_TIME, "2024-12-31", 210, 0), "mbn-jj": (ON_TIME, "2024-06-30", 82, 0),
    "mbn-yq": (OVERDUE, "2023-06-30", -167, 0), "mbn-kl": (EMPTY, None, None, 0),
    "mn-an": (ON_TIME, "2025-12-31", 458, 0), "mn-jj": (ON_TIME, "2024-12-31", 210, 0),
    "mn-yq": (OVERDUE, "2022-12-31", -290, 0), "mn-kl": (EMPTY, None, None, 0),
    "n331-an": (ON_TIME, "2025-03-31", 269, 0), "n331-jj": (ON_TIME, "2024-03-31", 20, 0),
    "n331-yq": (OVERDUE, "2023-03-31", -229, 0), "n331-kl": (EMPTY, None, None, 0),
    "jh15-an": (ON_TIME, "2024-04-15", 30, 0), "jh15-jj": (ON_TIME, "2024-04-15", 30, 0),
    "jh15-yq": (OVERDUE, "2023-10-15", -96, 0), "jh15-kl": (EMPTY, None, None, 0),
    "g19": (ON_TIME, None, None, 1),  # 9月27日 formed, 10月30日 published: 20 working days for 10
    "y19": (OVERDUE, "2019-10-12", -1095, 0),
    "fg-an": (ON_TIME, "2025-12-31", 458, 0),
    "sj-an": (ON_TIME, None, None, 0), "sj-kl": (EMPTY, None, None, 0),
}
# (as of, code, status, due, left): the statuses a single date cannot show for every rule
OTHER_DATES = [
    ("2024-02-26", "my-jj", SOON, "2024-02-29", 3),
    ("2024-02-29", "my-jj", SOON, "2024-02-29", 0),  # due today
    ("2024-02-09", "m10-cj", SOON, "2024-02-10", 0),  # due tomorrow, a day off: no working day left
    ("2024-02-19", "m10-cj", OVERDUE, "2024-02-10", -2),  # 2月18日 and 19日
    ("2024-03-25", "mj-jj", SOON, "2024-03-31", 4),
    ("2024-03-25", "n331-jj", SOON, "2024-03-31", 4),
    ("2024-06-24", "mbn-jj", SOON, "2024-06-30", 4),
    ("2024-12-25", "mn-jj", SOON, "2024-12-31", 4),
    ("2024-04-03", "jh15-jj", ON_TIME, "2024-04-15", 7),  # 4月7日（星期日）is a working day
    ("2024-04-08", "jh15-jj", SOON, "2024-04-15", 5),
    ("2024-04-16", "jh15-jj", OVERDUE, "2024-04-15", -1),
    ("2019-09-27", "y19", ON_TIME, "2019-10-12", 7),  # 9月29日（星期日）, 10月12日（星期六）count
    ("2019-09-30", "y19", SOON, "2019-10-12", 5),
    ("2019-10-14", "y19", OVERDUE, "2019-10-12", -1),
    ("2019-10-08", "g19", ON_TIME, "2019-10-16", 7),
    ("2019-10-12", "g19", SOON, "2019-10-16", 3),
    ("2019-10-16", "g19", SOON, "2019-10-16", 0),
    ("2019-10-17", "g19", OVERDUE, "2019-10-16", -1),
]


def catalog_yaml() -> str:
    lines = ["categories:"]
    for root, name, owner, rule, leaves in ROOTS:
        lines += [f"  - code: {root}", f"    name: {name}", f"    owner: {owner}"]
        lines += [f"    rule: {rule}"] if rule else []
        lines.append("    children:")
        for code, own_rule, _ in leaves:
            lines += [f"      - code: {code}", f"        name: 事项{code}"]
            lines += [f"        rule: {own_rule}"] if own_rule else []
    return "\n".join(lines) + "\n"


def content_files() -> list[tuple]:
    files = []
    for code, (_, _, _, items) in LEAVES.items():
        for i, item in enumerate(items, 1):
            doc_id = "base" if code == "gzr-an" else f"{code}-{i}"
            if item[0] == "jd":
                files.append(interpretation(f"jd-{doc_id}", item[1], code))
            else:
                files.append(policy(doc_id, item[1], item[2], code))
    return files


def ledger_portal(root: Path, due_soon: int = 5) -> Portal:
    portal = Portal(root, catalog_yaml(), f"catalog:\n  due_soon: {due_soon}\n  ledger_page: hidden\n")
    write_all(portal, *content_files())
    return portal


def parse_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode()), "a byte-order mark, so spreadsheets read it as UTF-8"
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header, *rows = list(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


class Ledgers:
    """The ledger of one project as CSV, each as-of date computed once."""

    def __init__(self, portal: Portal):
        self.portal = portal
        self._csv: dict[str, list[dict[str, str]]] = {}

    def rows(self, as_of: str) -> list[dict[str, str]]:
        if as_of not in self._csv:
            result = self.portal.cli("ledger", "--as-of", as_of, "--format", "csv")
            assert result.returncode == 0, result.stderr
            self._csv[as_of] = parse_csv(result.output)
        return self._csv[as_of]

    def row(self, as_of: str, code: str) -> dict[str, str]:
        [row] = [r for r in self.rows(as_of) if r["代码"] == code]
        return row


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory) -> Ledgers:
    return Ledgers(ledger_portal(tmp_path_factory.mktemp("ledger") / "site"))


def cn(day: str | None) -> str:
    if day is None:
        return "—"
    d = date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"


def left_cell(left: int | None) -> str:
    if left is None:
        return "—"
    return f"逾期 {-left} 个工作日" if left < 0 else f"{left} 个工作日"


def published_by(code: str, as_of: str) -> list[str]:
    return sorted(item[-1] for item in LEAVES[code][3] if item[-1] <= as_of)


# -- 1. statuses, working days, 逾期发布 ---------------------------------------------------------


@pytest.mark.parametrize("code", list(AS_OF_A))
def test_every_row_as_of_a_date(ledgers, code):
    status, due, left, late = AS_OF_A[code]
    row = ledgers.row(A, code)
    published = published_by(code, A)
    _, owner, rule, _ = LEAVES[code]
    assert row == {
        "责任单位": owner, "代码": code, "公开事项": f"{ROOT_NAMES[LEAVES[code][0]]} › 事项{code}",
        "公开时限": rule, "条目数": str(len(published)), "最近更新": cn(published[-1] if published else None),
        "下次截止": cn(due), "剩余工作日": left_cell(left), "状态": status, "逾期发布": str(late) if late else "",
    }


@pytest.mark.parametrize("as_of, code, status, due, left", OTHER_DATES, ids=[f"{case[1]}@{case[0]}" for case in OTHER_DATES])
def test_statuses_on_other_dates(ledgers, as_of, code, status, due, left):
    row = ledgers.row(as_of, code)
    assert (row["状态"], row["下次截止"], row["剩余工作日"]) == (status, cn(due), left_cell(left))


def test_past_the_due_date_is_overdue_even_before_a_working_day_has_passed(ledgers):
    row = ledgers.row("2024-02-17", "m10-cj")  # 2月10日 to 17日 are all days off
    assert (row["状态"], row["下次截止"]) == (OVERDUE, "2024年2月10日")


def test_every_status_for_every_kind_of_rule():
    """The table above is what it claims: each kind of rule shows each of its statuses."""
    seen: dict[str, set[str]] = {}
    for code, (status, *_rest) in AS_OF_A.items():
        seen.setdefault(LEAVES[code][0], set()).add(status)
    for _, code, status, _, _ in OTHER_DATES:
        seen.setdefault(LEAVES[code][0], set()).add(status)
    for root in ("gzr", "my", "mj", "m10", "yh5", "mbn", "mn", "n331", "jh15"):
        assert seen[root] >= {ON_TIME, SOON, OVERDUE, EMPTY}, root
    assert seen["cq"] == {ON_TIME, EMPTY}  # 长期 is never due


def test_every_leaf_is_one_row(ledgers):
    codes = [row["代码"] for row in ledgers.rows(A)]
    assert sorted(codes) == sorted(LEAVES)
    assert not {"cq", "gzr", "my", "mz"} & set(codes)  # parents are no rows


GROUP_LINE = re.compile(r"^(\S.*?)（(\d+) 项：(.+)）$")
ROW_LINE = re.compile(r"^  \[(\S+)\] .+?（([a-z0-9-]+)）　.*剩余：(.+?)(?:；逾期发布 (\d+) 件)?$")


def text_groups(text: str) -> list[tuple[str, int, str, list[tuple[str, str, str]]]]:
    """(owner, count, counts, [(status, code, days left, 逾期发布)]) of each group of the text ledger."""
    groups = []
    for line in text.splitlines():
        if match := GROUP_LINE.match(line):
            groups.append((match[1], int(match[2]), match[3], []))
        elif (match := ROW_LINE.match(line)) and groups:
            groups[-1][3].append((match[1], match[2], match[3], match[4] or ""))
    return groups


def days_of(left: str) -> int:
    number = int(re.search(r"\d+", left).group())
    return -number if left.startswith("逾期") else number


def urgent_first(rows: list[tuple[str, str]]) -> None:
    """(status, days left) in order: overdue first, most overdue first; 按期 last; nearer deadlines first."""
    statuses = [status for status, _ in rows]
    overdue = [days_of(left) for status, left in rows if status == OVERDUE]
    assert statuses[:len(overdue)] == [OVERDUE] * len(overdue)
    assert overdue == sorted(overdue)
    on_time = [i for i, status in enumerate(statuses) if status == ON_TIME]
    assert on_time == list(range(len(statuses) - len(on_time), len(statuses)))
    for status in (SOON, ON_TIME):
        days = [days_of(left) for s, left in rows if s == status and left != "—"]
        assert days == sorted(days), status


@pytest.fixture(scope="module")
def text_ledger(ledgers) -> str:
    result = ledgers.portal.cli("ledger", "--as-of", A)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_text_ledger_groups_rows_by_owner_most_urgent_first(ledgers, text_ledger):
    groups = text_groups(text_ledger)
    assert [owner for owner, *_ in groups] == OWNER_ORDER  # each unit once, ordered by its worst row
    by_code = {row["代码"]: row for row in ledgers.rows(A)}
    for owner, count, counts, rows in groups:
        assert sorted(code for _, code, *_ in rows) == sorted(c for c, leaf in LEAVES.items() if leaf[1] == owner)
        assert count == len(rows)
        statuses = [status for status, *_ in rows]
        assert counts == "，".join(f"{s} {statuses.count(s)}" for s in (OVERDUE, EMPTY, SOON, ON_TIME) if s in statuses)
        for status, code, left, late in rows:
            assert (status, left, late) == (by_code[code]["状态"], by_code[code]["剩余工作日"], by_code[code]["逾期发布"])
        urgent_first([(status, left) for status, _, left, _ in rows])


def test_the_text_ledger_has_totals_and_names_its_calendar(ledgers, text_ledger):
    assert text_ledger.startswith("信息公开任务分工台账（截至 2024年3月1日）\n")
    statuses = [row["状态"] for row in ledgers.rows(A)]
    totals = "，".join(f"{s} {statuses.count(s)}" for s in (OVERDUE, EMPTY, SOON, ON_TIME))
    assert f"\n合计：{totals}\n" in text_ledger
    assert "  [已逾期] 月度信息 › 事项my-yq（my-yq）　每月　最近更新：2023年12月15日　下次截止：2024年1月31日　" \
        "剩余：逾期 19 个工作日\n" in text_ledger
    assert "chinesecalendar" in text_ledger  # which calendar the days were counted on


def test_the_csv_is_most_urgent_first(ledgers):
    urgent_first([(row["状态"], row["剩余工作日"]) for row in ledgers.rows(A)])


SHARED = """\
categories:
  - code: gb
    name: 公报
    owner: 市政府办公室、市司法局
    rule: 每月
  - code: fz
    name: 法治政府
    owner: 市司法局
    rule: 长期
  - code: gk
    name: 政务公开
    owner: 市政府办公室（政务公开科、秘书科）
    rule: 长期
"""


def test_a_category_shared_by_several_units_is_in_each_units_group(tmp_path):
    portal = Portal(tmp_path / "site", SHARED)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), interpretation("gb1", "2024-01-10", "gb"),
              interpretation("fz1", "2024-02-20", "fz"), interpretation("gk1", "2024-02-21", "gk"))
    text = portal.cli("ledger", "--as-of", A).stdout
    groups = {owner: [code for _, code, *_ in rows] for owner, _, _, rows in text_groups(text)}
    assert groups == {"市政府办公室": ["gb"], "市司法局": ["gb", "fz"], "市政府办公室（政务公开科、秘书科）": ["gk"]}
    assert "合计：已逾期 1，按期 2\n" in text  # counted once
    rows = parse_csv(portal.cli("ledger", "--as-of", A, "--format", "csv").output)
    assert [(row["代码"], row["责任单位"]) for row in rows] == [
        ("gb", "市政府办公室、市司法局"), ("fz", "市司法局"), ("gk", "市政府办公室（政务公开科、秘书科）")]


@pytest.mark.parametrize("due_soon, soon, on_time", [
    (4, ["yh5-jj"], ["m10-jj", "my-an"]),  # 4 left is within 4, 5 is not
    (0, [], ["yh5-jj", "m10-jj"]),  # only what is due today
    (20, ["yh5-jj", "m10-jj", "my-an", "mj-jj", "n331-jj"], ["m10-an", "yh5-an"]),  # 20 left; 25 and 27 are not
])
def test_the_due_soon_threshold_is_configurable(tmp_path, due_soon, soon, on_time):
    found = Ledgers(ledger_portal(tmp_path / "site", due_soon))
    for code in soon:
        assert found.row(A, code)["状态"] == SOON, code
    for code in on_time:
        assert found.row(A, code)["状态"] == ON_TIME, code


def test_due_today_is_soon_even_with_no_warning_days(tmp_path):
    found = Ledgers(ledger_portal(tmp_path / "site", 0))
    assert found.row(A, "gzr-jt")["状态"] == SOON and found.row(A, "gzr-jt")["剩余工作日"] == "0 个工作日"
    assert found.row(A, "gzr-jj")["状态"] == ON_TIME


# -- formats --------------------------------------------------------------------------------------


def test_csv_is_for_spreadsheets(ledgers):
    result = ledgers.portal.cli("ledger", "--as-of", A, "--format", "csv")
    assert result.output.count(b"\r\n") == len(LEAVES) + 1


def test_html_is_a_complete_document_and_output_writes_it(ledgers, tmp_path):
    shown = ledgers.portal.cli("ledger", "--as-of", A, "--format", "html")
    assert shown.returncode == 0
    page = shown.stdout
    assert page.lstrip().startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("html")["lang"] == "zh-CN" and "2024年3月1日" in soup.title.get_text()
    assert soup.find("meta", attrs={"name": "robots", "content": "noindex"}) is not None
    assert soup.find("style") is not None and soup.find("link", rel="stylesheet") is None  # stands alone
    assert len(soup.select("tbody tr")) == len(LEAVES)
    headings = [h.get_text(strip=True) for h in soup.select("section h2")]
    assert headings[0].startswith("检查指标") and [h.split("（")[0] for h in headings[1:]] == OWNER_ORDER
    file = tmp_path / "台账.html"
    written = ledgers.portal.cli("ledger", "--as-of", A, "--format", "html", "--output", str(file))
    assert written.returncode == 0 and str(file) in written.stdout
    assert file.read_bytes() == shown.output
    assert ledgers.portal.cli("ledger", "--as-of", A, "--format", "html").output == shown.output  # byte-identical
    csv_file = tmp_path / "ledger.csv"
    assert ledgers.portal.cli("ledger", "--as-of", A, "--format", "csv", "--output", str(csv_file)).returncode == 0
    assert parse_csv(csv_file.read_bytes()) == ledgers.rows(A)


def test_output_that_cannot_be_written(ledgers, tmp_path):
    result = ledgers.portal.cli("ledger", "--as-of", A, "--output", str(tmp_path / "no" / "such" / "dir" / "x.txt"))
    assert result.returncode == 3
    assert "无法写入" in result.stderr and "Traceback" not in result.stderr


def test_the_as_of_date_must_be_a_date(ledgers):
    result = ledgers.portal.cli("ledger", "--as-of", "2024-02-30")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_the_ledger_defaults_to_the_build_date(ledgers):
    by_date = ledgers.portal.cli("ledger", "--build-date", A, "--format", "csv")
    assert parse_csv(by_date.output) == ledgers.rows(A)


def test_the_ledger_page_of_the_site_is_the_ledger_as_of_the_build_date(ledgers):
    built = ledgers.portal.build(A)
    assert built.returncode == 0, built.stderr
    soup = ledgers.portal.soup("/catalog/ledger/")
    cells = {tr.find("th").get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
             for tr in soup.select("tbody tr")}
    assert len(cells) == len(LEAVES)
    for row in ledgers.rows(A):
        assert row["状态"] in cells[row["公开事项"]] and row["剩余工作日"] in cells[row["公开事项"]]


# -- 2. check --strict ---------------------------------------------------------------------------

STRICT = """\
categories:
  - code: yb
    name: 月报
    owner: 市统计局
    rule: 每月
  - code: jg
    name: 机构信息
    owner: 市政府办公室
    rule: 长期
"""


@pytest.fixture
def strict(tmp_path) -> Portal:
    portal = Portal(tmp_path / "site", STRICT)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"),
              interpretation("jd-yb", "2024-02-20", "yb"), interpretation("jd-jg", "2024-02-25", "jg"))
    return portal


def test_strict_passes_when_nothing_is_late_or_empty(strict):
    result = strict.run("check", "--strict", "--build-date", A)
    assert result.returncode == 0, result.stderr
    assert "台账检查通过" in result.stdout


def test_strict_fails_with_4_on_one_overdue_item(strict):
    write_all(strict, interpretation("jd-yb", "2024-01-10", "yb"))  # the one change: due 2月29日
    result = strict.run("check", "--strict", "--build-date", A)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "[已逾期] content/catalog.yaml:2: 月报（yb，市统计局）：逾期 1 个工作日" in result.stderr
    assert "机构信息" not in result.stderr and "Traceback" not in result.stderr
    assert "build.py ledger" in result.stderr  # where to see the whole ledger
    plain = strict.run("check", "--build-date", A)
    assert plain.returncode == 0, plain.stderr  # plain check is not about the ledger


def test_strict_fails_with_4_on_an_empty_category(strict):
    strict.write("catalog.yaml", STRICT + "  - code: kl\n    name: 空事项\n    owner: 市民政局\n    rule: 每年\n")
    result = strict.cli("check", "--strict", "--build-date", A)
    assert result.returncode == 4
    assert "[空栏目] content/catalog.yaml:10: 空事项（kl，市民政局）" in result.stderr
    assert "✗ 存在空白栏目（有栏目无内容）的：空事项" in result.stderr
    assert strict.cli("check", "--build-date", A).returncode == 0


def test_strict_passes_with_deadlines_near(strict):
    strict.write("catalog.yaml", STRICT + "  - code: m10\n    name: 月报十日\n    owner: 市统计局\n    rule: 每月10日前\n")
    write_all(strict, interpretation("jd-m10", "2024-02-05", "m10"))
    assert strict.cli("ledger", "--as-of", A).stdout.count("[即将到期]") == 1  # 5 working days left
    assert strict.cli("check", "--strict", "--build-date", A).returncode == 0


def test_strict_fails_with_4_on_a_failed_indicator(strict):
    assert strict.cli("check", "--strict", "--build-date", "2024-03-11").returncode == 4  # 2月25日: 15 days old
    assert strict.cli("check", "--strict", "--build-date", "2024-03-10").returncode == 0  # 14 days: within 2 weeks


def test_strict_with_content_errors_is_a_content_error(strict):
    write_all(strict, interpretation("jd-yb", "2024-01-10", "yb"), interpretation("jd-x", "2024-02-20", "nowhere"))
    result = strict.run("check", "--strict", "--build-date", A)
    assert result.returncode == 1, result.stderr
    assert "content/interpretations/jd-x.md:" in result.stderr and "Traceback" not in result.stderr
    assert "台账检查" not in result.stderr + result.stdout


def test_the_ledger_command_with_content_errors(strict):
    write_all(strict, interpretation("jd-x", "2024-02-20", "nowhere"))
    result = strict.cli("ledger", "--as-of", A)
    assert result.returncode == 1 and result.output == b""
    assert "content/interpretations/jd-x.md:" in result.stderr and "无法生成台账" in result.stderr


def test_the_ledger_command_without_a_catalog(tmp_path):
    portal = Portal(tmp_path / "site", None)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"))
    result = portal.cli("ledger", "--as-of", A)
    assert result.returncode == 1 and "content/catalog.yaml" in result.stderr and "Traceback" not in result.stderr
    assert portal.cli("check", "--strict", "--build-date", A).returncode == 0  # no catalog, nothing to hold it to


# -- 3. inspection indicators ----------------------------------------------------------------------

INDICATORS = """\
categories:
  - code: dt
    name: 工作动态
    owner: 市政府办公室
    rule: 长期
    inspection: 动态要闻
  - code: tz
    name: 通知公告
    owner: 市政府办公室
    rule: 长期
    inspection: 通知公告政策文件
    children:
      - {code: tz-a, name: 通知}
      - {code: tz-b, name: 公告}
  - code: zc
    name: 政策文件
    owner: 市政府办公室
    rule: 长期
    children:
      - {code: zc-1, name: 规范性文件, inspection: 通知公告政策文件}
      - {code: zc-2, name: 其他文件, inspection: 通知公告政策文件}
      - {code: zc-3, name: 部门文件, inspection: 通知公告政策文件}
  - code: kl
    name: 人事信息
    owner: 市人社局
    rule: 长期
"""
HOME = "监测时间点前2周内，首页栏目无信息更新的"
NEWS = "监测时间点前2周内，动态、要闻类栏目未更新的"
NOTICES = "监测时间点前6个月内，通知公告、政策文件类栏目未更新的"
BLANK = "存在空白栏目（有栏目无内容）的"


@pytest.fixture(scope="module")
def inspected(tmp_path_factory) -> Portal:
    portal = Portal(tmp_path_factory.mktemp("indicators") / "site", INDICATORS)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"),
              interpretation("dt1", "2024-02-16", "dt"), interpretation("tz1", "2023-09-01", "tz-b"),
              interpretation("zc1", "2024-02-29", "zc-1"), interpretation("zc2", "2024-02-28", "zc-2"))
    return portal


def indicators(portal: Portal, as_of: str) -> dict[str, tuple[bool, str]]:
    """text -> (met, detail), as the text ledger prints them."""
    result = portal.cli("ledger", "--as-of", as_of)
    assert result.returncode == 0, result.stderr
    found = re.findall(r"^  ([✓✗]) (?:达标|不达标)：(.+?) —— (.*)$", result.stdout, re.MULTILINE)
    return {text: (mark == "✓", detail) for mark, text, detail in found}


def test_the_indicators_in_their_own_words(inspected):
    assert list(indicators(inspected, "2024-03-01")) == [HOME, NEWS, NOTICES, BLANK]


def test_two_weeks_is_fourteen_days(inspected):
    within, after = indicators(inspected, "2024-03-01"), indicators(inspected, "2024-03-02")
    assert within[NEWS] == (True, "均已按时更新")  # 工作动态 2月16日, 14 days before
    assert after[NEWS] == (False, "工作动态（最近更新：2024年2月16日）")


def test_the_home_page_indicator(inspected):
    assert indicators(inspected, "2024-03-14")[HOME] == (True, "最近一次更新：2024年2月29日")
    assert indicators(inspected, "2024-03-15")[HOME] == (False, "最近一次更新：2024年2月29日")


def test_six_calendar_months_for_notices_and_policies(inspected):
    # 通知公告 (a parent: its children's items count) last updated 2023年9月1日: six months to 2024年3月1日
    assert indicators(inspected, "2024-03-01")[NOTICES] == (False, "部门文件（最近更新：无）")
    stale = indicators(inspected, "2024-03-02")[NOTICES]
    assert stale == (False, "通知公告（最近更新：2023年9月1日）、部门文件（最近更新：无）")


def test_six_months_back_from_a_month_end_is_clamped(inspected):
    # as of 2024-08-31 the window opens on 2024-02-29: 规范性文件 (2月29日) is fresh, 其他文件 (2月28日) is not
    detail = indicators(inspected, "2024-08-31")[NOTICES][1]
    assert "其他文件（最近更新：2024年2月28日）" in detail and "规范性文件" not in detail
    assert "规范性文件（最近更新：2024年2月29日）" in indicators(inspected, "2024-09-01")[NOTICES][1]


def test_empty_categories_indicator(inspected):
    assert indicators(inspected, "2024-03-01")[BLANK] == (False, "通知、部门文件、人事信息")
    assert indicators(inspected, "2023-08-31")[BLANK][1].split("、")[0] == "工作动态"  # nothing yet as of then


def test_the_indicators_on_the_ledger_page(inspected):
    assert inspected.build("2024-03-01").returncode == 0
    items = [li.get_text(" ", strip=True) for li in inspected.soup("/catalog/ledger/").select("ul.indicators li")]
    assert len(items) == 4
    assert items[1].startswith("达标") and NEWS in items[1]
    assert items[3].startswith("不达标") and BLANK in items[3] and "人事信息" in items[3]


def test_indicators_met_pass_strict(tmp_path):
    portal = Portal(tmp_path / "site", INDICATORS.split("  - code: zc\n")[0])
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), interpretation("dt1", "2024-02-20", "dt"),
              interpretation("a", "2024-01-20", "tz-a"), interpretation("b", "2023-12-20", "tz-b"))
    assert portal.cli("check", "--strict", "--build-date", A).returncode == 0
    assert portal.cli("check", "--strict", "--build-date", "2024-03-06").returncode == 4  # 动态 15 days old


# -- 4. years the calendar does not know ----------------------------------------------------------

LAST = max(day.year for day in chinese_calendar.holidays)  # the installed package's last year
NEXT = LAST + 1
YEARLY = """\
categories:
  - code: nb
    name: 年度报告
    owner: 市统计局
    rule: 每年
"""


def working_days(start: date, end: date, holidays: frozenset = frozenset()) -> int:
    """Working days in (start, end]: the package's days, then weekdays less holidays for NEXT."""
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(chinese_calendar.is_workday(d) if d.year <= LAST else d.weekday() < 5 and d not in holidays
               for d in days)


@pytest.fixture
def yearly(tmp_path) -> Portal:
    portal = Portal(tmp_path / "site", YEARLY)
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), interpretation("nb1", f"{LAST}-03-10", "nb"))
    return portal


def row_of(portal: Portal, as_of: str, code: str) -> tuple[dict[str, str], object]:
    result = portal.cli("ledger", "--as-of", as_of, "--format", "csv")
    [row] = [r for r in parse_csv(result.output) if r["代码"] == code]
    return row, result


def test_a_due_date_in_an_unknown_year_fails_the_ledger(yearly):
    result = yearly.run("ledger", "--as-of", f"{LAST}-12-28", "--format", "csv")
    assert result.returncode == 1
    [row] = parse_csv(result.stdout.encode())
    assert row["状态"] == UNKNOWN and row["下次截止"] == cn(f"{NEXT}-12-31")
    assert "content/catalog.yaml:2:" in result.stderr and "Traceback" not in result.stderr
    assert "calendar" in result.stderr and "chinesecalendar" in result.stderr  # how to fix it


def test_the_unknown_year_is_named(yearly):
    result = yearly.cli("ledger", "--as-of", f"{LAST}-12-28")
    assert re.search(rf"(?<![-\d]){NEXT}\s*年", result.stderr), result.stderr


def test_a_status_certain_without_the_unknown_year_is_given(yearly):
    row, result = row_of(yearly, f"{LAST}-06-01", "nb")
    assert result.returncode == 0, result.stderr
    known = working_days(date(LAST, 6, 1), date(LAST, 12, 31))
    assert row["状态"] == ON_TIME and row["剩余工作日"] == f"{known} 个工作日以上"


def test_days_overdue_into_an_unknown_year_are_a_floor(tmp_path):
    portal = Portal(tmp_path / "site", YEARLY.replace("每年", "每月"))
    write_all(portal, policy("base", "2018-01-02", "2018-01-04"), interpretation("nb1", f"{LAST}-10-10", "nb"))
    row, result = row_of(portal, f"{NEXT}-01-20", "nb")  # due {LAST}-11-30
    assert result.returncode == 0, result.stderr  # overdue is certain: nothing to fix before acting on it
    known = working_days(date(LAST, 11, 30), date(LAST, 12, 31))
    assert (row["状态"], row["下次截止"], row["剩余工作日"]) == (OVERDUE, cn(f"{LAST}-11-30"), f"逾期 {known} 个工作日以上")


def test_a_year_added_to_the_calendar_with_its_notice_is_known(yearly):
    yearly.settings(f'catalog:\n  due_soon: 5\ncalendar:\n  "{NEXT}":\n    notice: 国办发明电〔{LAST}〕99号\n'
                    f'    holidays: [{NEXT}-01-01, {NEXT}-10-01 至 {NEXT}-10-07]\n    workdays: [{NEXT}-09-26]\n')
    holidays = frozenset(date(NEXT, 1, 1) if i == 0 else date(NEXT, 10, i) for i in range(8))
    for as_of in (date(LAST, 12, 28), date(LAST, 6, 1)):
        row, result = row_of(yearly, as_of.isoformat(), "nb")
        assert result.returncode == 0, result.stderr
        left = working_days(as_of, date(NEXT, 12, 31), holidays) + (date(NEXT, 9, 26).weekday() >= 5)
        assert (row["状态"], row["剩余工作日"]) == (ON_TIME, f"{left} 个工作日")


def test_a_year_without_its_notice_stays_unknown(yearly):
    yearly.settings(f'catalog:\n  due_soon: 5\ncalendar:\n  "{NEXT}":\n    holidays: [{NEXT}-01-01]\n')
    result = yearly.cli("ledger", "--as-of", f"{LAST}-12-28")
    assert result.returncode == 1
    line = yearly.config_line(f'"{NEXT}":')
    assert f"site_config.yaml:{line}:" in result.stderr and "notice" in result.stderr


def test_strict_fails_on_a_figure_it_cannot_compute(yearly):
    write_all(yearly, interpretation("fresh", f"{LAST}-12-20", "nb"))  # the home page indicator is met
    result = yearly.cli("check", "--strict", "--build-date", f"{LAST}-12-28")
    assert result.returncode == 4
    assert "[无法计算]" in result.stderr


def test_an_event_rule_counting_into_an_unknown_year(tmp_path):
    portal = Portal(tmp_path / "site", YEARLY.replace("每年", "20个工作日"))
    write_all(portal, policy("base", "2018-01-02", "2018-01-04", "nb"), policy("late", f"{LAST}-12-20",
                                                                               f"{NEXT}-02-01", "nb"))
    result = portal.cli("ledger", "--as-of", f"{NEXT}-01-05", "--format", "csv")
    assert result.returncode == 1
    [row] = parse_csv(result.output)
    assert row["状态"] == UNKNOWN
    assert f"没有 {NEXT} 年的节假日安排" in result.stderr and "calendar:" in result.stderr

