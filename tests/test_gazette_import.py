"""build.py import-gazette LISTING.csv: back issues of the gazette from a spreadsheet.

Imports run against a copy of the example site with the policy documents of
tests/fixtures/gazette/policies/ added (the 2011–2013 documents listing-50.csv carries).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUILD_PY, REPO, run_cli, tree_digest

from gongkai.diagnostics import Problems
from gongkai.source import read_data, read_source
from gongkai.types.gazette.importer import main, normalise

FIXTURES = REPO / "tests" / "fixtures" / "gazette"
LISTING = FIXTURES / "listing-50.csv"
HEADER = "年份,期号,总期号,出版日期,栏目,标题,文号,发文机关,文种,PDF,页码"
SECTIONS = ["市政府文件", "市政府办公室文件", "部门文件", "人事任免", "其他"]
PROBLEM = re.compile(r"^  (.+?):(\d+): (?:字段 (.*?)：)?")


def make_site(tmp_path: Path, gazettes: bool = True) -> Path:
    """A copy of the example project, with the fixture's policy documents; without the
    example's own issues when gazettes is False."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REPO / "site_config.yaml", root)
    shutil.copy(REPO / "build.py", root)
    for policy in (FIXTURES / "policies").glob("*.md"):
        shutil.copy(policy, root / "content" / "policies")
    if not gazettes:
        shutil.rmtree(root / "content" / "gazettes", ignore_errors=True)
    return root


def write_listing(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "listing.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def run_import(root: Path, listing: Path, capsys) -> tuple[int, str, str]:
    code = main(root, listing)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def reported(stderr: str) -> set[tuple[int, str]]:
    """(line, field) of every error reported (warnings follow a line of their own)."""
    errors = stderr.split("个提醒")[0]
    return {(int(m[2]), m[3] or "") for m in map(PROBLEM.match, errors.splitlines()) if m}


def csv_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def staging_left(root: Path) -> list[Path]:
    return [*root.glob(".import-gazette-*"), *root.glob("content/.import-gazette-*")]


def issue_data(root: Path, year: int, number: int) -> dict:
    doc = read_data(root / f"content/gazettes/{year}/{number:02d}.yaml", root, problems := Problems())
    assert not problems, problems.report()
    return doc.data


def stubs(root: Path, years: range) -> list:
    problems = Problems()
    found = [read_source(path, root, problems) for year in years
             for path in sorted((root / f"content/gazettes/{year}").glob("*/*.md"))]
    assert not problems, problems.report()
    return found


# -- the fifty issues, through the command line, then the real build ------------------


def test_fifty_issues_import_and_the_site_builds(tmp_path):
    root = make_site(tmp_path)
    result = subprocess.run([sys.executable, str(BUILD_PY), "--root", str(root), "import-gazette", str(LISTING)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = csv_rows(LISTING)
    assert f"已导入 50 期公报：共 {len(rows)} 篇，其中 3 篇匹配到网站已有文件，{len(rows) - 3} 篇新建为公报文章" in result.stdout
    assert "python3 build.py" in result.stdout
    assert len(list((root / "content/gazettes").glob("201[0-4]/*.yaml"))) == 50
    assert not staging_left(root), "the staging folder is removed"

    # Matched by 文号 (typed as 聊财综[2011]5号, 聊政发 〔2012〕 8号, 聊政办发（２０１３）１４号).
    for (year, number), doc in {(2011, 6): "lcz-2011-5", (2012, 3): "lzf-2012-8", (2013, 9): "lzbf-2013-14"}.items():
        items = [item for section in issue_data(root, year, number)["sections"] for item in section["items"]]
        assert {"doc": doc} in [{k: v for k, v in item.items() if k == "doc"} for item in items]

    # Issue files: fields, sections in configured order, pages normalised, the PDF copied beside.
    for year, number in ((2010, 1), (2012, 7), (2014, 2)):
        row = next(r for r in rows if (int(r["年份"]), int(r["期号"])) == (year, number))
        data = issue_data(root, year, number)
        assert (data["year"], data["number"], data["total_number"], data["published"]) == (
            str(year), str(number), row["总期号"], row["出版日期"])
        names = [section["name"] for section in data["sections"]]
        assert names == sorted(names, key=SECTIONS.index)
        pages = [item.get("pages") for section in data["sections"] for item in section["items"]]
        assert all(p is None or re.fullmatch(r"\d+(-\d+)?", p) for p in pages)
    assert issue_data(root, 2014, 2)["pdf"] == "02.pdf"
    assert (root / "content/gazettes/2014/02.pdf").read_bytes() == (FIXTURES / "pdf/2014-02.pdf").read_bytes()
    assert "pdf" not in issue_data(root, 2012, 7)

    # Every unmatched row is a stub with its title, agency, 文号 and 文种, read back exactly.
    matched = {"聊财综[2011]5号", "聊政发 〔2012〕 8号", "聊政办发（２０１３）１４号"}
    expected = sorted((r["标题"], r["发文机关"], r["文号"] or None, r["文种"] or None) for r in rows if r["文号"] not in matched)
    written = stubs(root, range(2010, 2015))
    assert sorted((s.front.data["title"], s.front.data["agency"], s.front.data.get("doc_number"),
                   s.front.data.get("kind")) for s in written) == expected
    assert all("本文全文见本期公报印刷版" in s.body for s in written)
    assert {s.path.stem for s in written} >= {"a01", "a02"}

    check = run_cli("check", root=root)
    assert check.returncode == 0, check.stderr
    assert "检查通过" in check.stdout


def test_the_command_line_reports_a_bad_listing(tmp_path):
    root = make_site(tmp_path)
    before = tree_digest(root)
    result = subprocess.run([sys.executable, "build.py", "--root", str(root), "import-gazette", str(FIXTURES / "bad-rows.csv")],
                            capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 1
    assert "bad-rows.csv:3: 字段 标题：缺少标题" in result.stderr
    assert "未写入任何文件" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert tree_digest(root) == before


# -- every bad row, at its line --------------------------------------------------------


def test_every_bad_row_is_reported_at_its_line_and_nothing_is_written(tmp_path, capsys):
    root = make_site(tmp_path)
    before = tree_digest(root)
    code, out, err = run_import(root, FIXTURES / "bad-rows.csv", capsys)
    assert code == 1 and out == ""
    assert reported(err) == {
        (3, "标题"),  # missing
        (4, "年份"), (5, "期号"),  # not numbers in range
        (6, "出版日期"), (7, "出版日期"),  # no such day; a format not accepted
        (8, "栏目"),  # not in gazette.sections
        (9, "页码"),  # 8-3
        (10, "PDF"), (11, "PDF"),  # does not exist; not .pdf
        (12, "文号"),  # line 2's 文号 again, spelled with []
        (13, "出版日期"),  # disagrees with the issue's first row (line 2)
        (14, "总期号"),  # smaller than an earlier issue's
        # line 15: a quoted line break inside the title, as the build allows, so …
        (17, "发文机关"),  # … this row starts on line 17
        (18, ""),  # one cell more than the header
        (19, "PDF"), (20, "PDF"),  # a .pdf that is not a PDF
        (20, "年份"),
    }
    assert "在第 2 行已出现" in err and "第 2 行为“2011-01-20”" in err
    assert "未写入任何文件" in err
    assert tree_digest(root) == before
    assert not staging_left(root)


BAD_VALUES = [  # (row, the column reported, words of the message)
    ("2012,3,75,2012-03-25,市政府文件,,聊政发〔2012〕1号,聊城市人民政府,通知,,", "标题", "缺少标题"),
    ("2012,3,75,2012-03-25,市政府文件,标题,,,通知,,", "发文机关", "缺少发文机关"),
    ("2012,,75,2012-03-25,市政府文件,标题,,机关,,,", "期号", "缺少期号"),
    ("2012,3,,2012-03-25,市政府文件,标题,,机关,,,", "总期号", "缺少总期号"),
    ("2012,3,75,,市政府文件,标题,,机关,,,", "出版日期", "缺少出版日期"),
    ("2012,3,75,2012-03-25,,标题,,机关,,,", "栏目", "缺少栏目"),
    ("12,3,75,2012-03-25,其他,标题,,机关,,,", "年份", "1900 到 2100"),
    ("2012,1000,75,2012-03-25,其他,标题,,机关,,,", "期号", "1 到 999"),
    ("2012,3,-1,2012-03-25,其他,标题,,机关,,,", "总期号", "整数"),
    ("2012,3.5,75,2012-03-25,其他,标题,,机关,,,", "期号", "整数"),
    ("2012,3,75,2012-13-01,其他,标题,,机关,,,", "出版日期", "不是有效的日期"),
    ("2012,3,75,25/03/2012,其他,标题,,机关,,,", "出版日期", "不是有效的日期"),
    ("2012,3,75,2012年2月30日,其他,标题,,机关,,,", "出版日期", "不是有效的日期"),
    ("2012,3,75,2012-03-25,市政府令,标题,,机关,,,", "栏目", "不在站点配置的公报栏目中"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,,0", "页码", "起止页"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,,3-", "页码", "起止页"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,,3-8-9", "页码", "起止页"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,,三", "页码", "起止页"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,03.pdf,", "PDF", "找不到印刷版 PDF"),
    ("2012,3,75,2012-03-25,其他,标题,,机关,,listing.csv,", "PDF", "应为 PDF 文件"),
    ('2012,3,75,2012-03-25,"其\t他",标题,,机关,,,', "栏目", "换行或 Tab"),  # Tabs and line breaks are text's only
    ('2012,3,75,2012-03-25,其他,标题,,机关,,,"3\t-8"', "页码", "换行或 Tab"),
]


def test_each_bad_value_is_named_with_its_line_and_column(tmp_path, capsys):
    root = make_site(tmp_path)
    before = tree_digest(root)
    rows = [row for row, _, _ in BAD_VALUES]
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,好的一行,,聊城市人民政府,,,2", *rows)
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(line, field) for line, (_, field, _) in enumerate(BAD_VALUES, 3)}
    messages = {int(m[2]): line for line in err.splitlines() if (m := PROBLEM.match(line))}
    for line, (_, _, words) in enumerate(BAD_VALUES, 3):
        assert words in messages[line], messages[line]
    assert tree_digest(root) == before


DATES = [("2012-01-25", "2012-01-25"), ("2012-2-5", "2012-02-05"), ("2012/03/25", "2012-03-25"), ("2012/4/5", "2012-04-05"),
         ("2012年5月5日", "2012-05-05"), ("２０１２年６月５日", "2012-06-05"), (" 2012-07-25 ", "2012-07-25")]


def test_dates_in_the_spellings_a_spreadsheet_uses(tmp_path, capsys):
    root = make_site(tmp_path)
    rows = [f"2012,{n},{n},{value},其他,公告,,聊城市人民政府,,," for n, (value, _) in enumerate(DATES, 1)]
    code, _, err = run_import(root, write_listing(tmp_path, *rows), capsys)
    assert code == 0, err
    assert [issue_data(root, 2012, n)["published"] for n in range(1, len(DATES) + 1)] == [iso for _, iso in DATES]


PAGES = [("3", "3"), ("3-8", "3-8"), ("3—8", "3-8"), ("3–8", "3-8"), ("3~8", "3-8"), ("3～8", "3-8"),
         ("3－8", "3-8"), ("第3-8页", "3-8"), ("3至8", "3-8"), ("5-5", "5"), (" 3 - 8 ", "3-8"), ("", None)]


def test_page_ranges(tmp_path, capsys):
    root = make_site(tmp_path)
    rows = [f"2012,3,75,2012-03-25,其他,公告{n},,聊城市人民政府,,,{value}" for n, (value, _) in enumerate(PAGES)]
    code, _, err = run_import(root, write_listing(tmp_path, *rows), capsys)
    assert code == 0, err
    items = issue_data(root, 2012, 3)["sections"][0]["items"]
    assert [item.get("pages") for item in items] == [pages for _, pages in PAGES]
    for n, (_, pages) in enumerate(PAGES, 1):
        body = (root / f"content/gazettes/2012/03/a{n:02d}.md").read_text(encoding="utf-8")
        assert body.endswith(f"印刷版第{pages.replace('-', '—')}页。\n" if pages else "印刷版。\n")


# -- headers ---------------------------------------------------------------------------


def test_english_headers_in_any_order(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(tmp_path, "公告,聊城市人民政府,其他,2012-03-25,75,3,2012,,2",
                            header="title,agency,section,published,total_number,number,year,doc_number,Pages")
    code, out, _ = run_import(root, listing, capsys)
    assert code == 0 and "已导入 1 期公报：共 1 篇" in out
    assert issue_data(root, 2012, 3)["sections"] == [{"name": "其他", "items": [{"article": "a01", "pages": "2"}]}]


@pytest.mark.parametrize("header, words", [
    (HEADER + ",备注", "列“备注”不是公报清单的列"),
    (HEADER.replace(",发文机关", ""), "表头缺少“发文机关”"),
    (HEADER.replace(",文号", ""), "表头缺少“文号”（doc_number）列，该列可以留空"),
    (HEADER.replace("标题", "title") + ",标题", "重复出现"),
    (HEADER.replace(",", "\t"), "不是用半角逗号分隔的"),
    (HEADER.replace(",", "，"), "不是用半角逗号分隔的"),
])
def test_a_header_that_is_not_ours_is_refused(tmp_path, capsys, header, words):
    root = make_site(tmp_path)
    before = tree_digest(root)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,公告,,聊城市人民政府,,,2,", header=header)
    code, _, err = run_import(root, listing, capsys)
    assert code == 1 and words in err
    assert ":1: " in err, "the header's line"
    assert tree_digest(root) == before


def test_an_empty_column_a_spreadsheet_adds_is_ignored(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,公告,,聊城市人民政府,,,2,,", "", ",,,,,,,,,,,,",
                            header=HEADER + ",,")
    assert run_import(root, listing, capsys)[0] == 0


@pytest.mark.parametrize("text, words", [("", "清单是空的"), (HEADER + "\n", "没有任何文章行"), ("\n\n", "清单是空的")])
def test_an_empty_listing(tmp_path, capsys, text, words):
    root = make_site(tmp_path)
    (listing := tmp_path / "listing.csv").write_text(text, encoding="utf-8")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1 and words in err


def test_a_listing_that_is_not_there(tmp_path, capsys):
    root = make_site(tmp_path)
    code, _, err = run_import(root, tmp_path / "nope.csv", capsys)
    assert code == 1 and "找不到这个文件" in err
    code, _, err = run_import(root, tmp_path, capsys)
    assert code == 1 and "这是一个文件夹" in err


# -- encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings(tmp_path, capsys, encoding):
    root = make_site(tmp_path)
    folder = tmp_path / "listing"
    shutil.copytree(FIXTURES / "pdf", folder / "pdf")
    text = LISTING.read_text(encoding="utf-8")
    if encoding == "gb18030":  # beyond GBK: CJK extension characters
        text = text.replace("张某某", "张䶮𠀀")
    (folder / "listing.csv").write_bytes(text.encode(encoding))
    code, out, err = run_import(root, folder / "listing.csv", capsys)
    assert code == 0, err
    assert "已导入 50 期公报" in out
    titles = {s.front.data["title"] for s in stubs(root, range(2010, 2011))}
    person = "张䶮𠀀" if encoding == "gb18030" else "张某某"
    assert f"聊城市人民政府关于{person}等同志职务任免的通知" in titles
    assert '关于"聊城市民生实事"#1 征集结果的公示' in titles
    header = (root / "content/gazettes/2010/01.yaml").read_bytes()
    assert not header.startswith(b"\xef\xbb\xbf"), "written as UTF-8 without BOM"


@pytest.mark.parametrize("raw, words", [
    (HEADER.encode() + b"\n2012,3,75,2012-03-25,\xe5\x85\xb6\xe4\xbb\x96,x,,y,,,\n2012,3,75,2012-03-25,\xff,x,,y,,,\n",
     "第 3 行有无法识别的字节"),
    (HEADER.encode("gb18030") + b"\n2012,3,75,2012-03-25,\xc6\xe4\xcb\xfb,x,,y,,,\n\n2012,3,75,\x80,\n", "第 4 行有无法识别的字节"),
    ("\ufeff".encode("utf-16-le") + HEADER.encode("utf-16-le"), "UTF-16"),
])
def test_bytes_in_no_encoding_we_read(tmp_path, capsys, raw, words):
    root = make_site(tmp_path)
    before = tree_digest(root)
    (listing := tmp_path / "listing.csv").write_bytes(raw)
    code, _, err = run_import(root, listing, capsys)
    assert code == 1 and words in err and "CSV UTF-8" in err
    assert tree_digest(root) == before


def test_control_characters_are_refused_at_their_lines(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,公告,,聊城市人民政府,,,2",
                            "2012,3,75,2012-03-25,其他,公\x00告,,聊城市人民政府,,,3", "2012,3,75,2012-03-25,其他,公告二,,聊城市人民政府,,,4",
                            "2012,3,75,2012-03-25,其他,公\x07告,,聊城\x1b市人民政府,,,5")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert {line for line, _ in reported(err)} == {3, 5}
    assert "第 3 行第 " in err and "空字符" in err and "U+0007" in err and "U+001B" in err


def test_crlf_and_quoted_line_breaks_keep_physical_line_numbers(tmp_path, capsys):
    root = make_site(tmp_path)
    rows = ['2012,3,75,2012-03-25,其他,"公告, 第一号",,聊城市人民政府,,,2', '2012,3,75,2012-03-25,其他,"多行\r\n标题",,机关,,,3',
            "2012,3,75,2012-03-25,其他,公告三,,,,,4"]
    (listing := tmp_path / "listing.csv").write_bytes(("\r\n".join((HEADER, *rows)) + "\r\n").encode())
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(5, "发文机关")}


# -- matching by 文号 ---------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("聊政办发〔2019〕5号", "聊政办发[2019]5号"), ("聊政办发〔2019〕5号", "聊政办发［2019］5号"),
    ("聊政办发〔2019〕5号", "聊政办发【2019】5号"), ("聊政办发〔2019〕5号", "聊政办发(2019)5号"),
    ("聊政办发〔2019〕5号", "聊政办发（２０１９）５号"), ("聊政办发〔2019〕5号", " 聊政办发 〔2019〕 5 号"),
    ("聊政办发〔2019〕5号", "聊政办发﹝2019﹞5号"), ("聊政办发〔2019〕5号", "聊政办发〖2019〗5号"),
])
def test_doc_numbers_compare_in_one_spelling(a, b):
    assert normalise(a) == normalise(b)


def test_distinct_doc_numbers_stay_distinct():
    numbers = ["聊政办发〔2019〕5号", "聊政办发〔2019〕15号", "聊政发〔2019〕5号", "聊政办发〔2018〕5号", "聊政办字〔2019〕5号"]
    assert len({normalise(n) for n in numbers}) == len(numbers)


def test_a_row_with_a_documents_doc_number_becomes_doc(tmp_path, capsys):
    root = make_site(tmp_path, gazettes=False)  # the example's own issues carry some of these documents
    listing = write_listing(
        tmp_path,
        "2019,6,118,2019-06-28,市政府办公室文件,聊城市人民政府办公室关于印发2019年聊城市政务公开工作要点的通知,"
        "聊政办发[2019]5号,聊城市人民政府办公室,通知,,3-8",
        "2019,6,118,2019-06-28,部门文件,聊城市司法局的一份文件,聊司发（２０１９）７号,聊城市司法局,,,9-10",
        "2019,6,118,2019-06-28,人事任免,聊城市人民政府关于张某某等同志职务任免的通知,聊政任〔2019〕6号,聊城市人民政府,通知,,11",
    )
    code, out, err = run_import(root, listing, capsys)
    assert code == 0, err
    assert "共 3 篇，其中 2 篇匹配到网站已有文件，1 篇新建为公报文章" in out
    assert issue_data(root, 2019, 6)["sections"] == [
        {"name": "市政府办公室文件", "items": [{"doc": "lzbf-2019-5", "pages": "3-8"}]},
        {"name": "部门文件", "items": [{"doc": "lsf-2019-7", "pages": "9-10"}]},
        {"name": "人事任免", "items": [{"article": "a01", "pages": "11"}]},
    ]
    assert sorted(p.name for p in (root / "content/gazettes/2019/06").iterdir()) == ["a01.md"]
    # The 司法局 row's title is not the document's: a warning, the document's title wins.
    assert "content/policies/lsf-2019-7.md" in err and "请核对文号" in err


def test_a_document_is_carried_once(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(
        tmp_path,
        "2012,3,75,2012-03-25,市政府文件,聊城市人民政府关于加快发展现代服务业的意见,聊政发〔2012〕8号,聊城市人民政府,,,2",
        "2012,4,76,2012-04-25,市政府文件,聊城市人民政府关于加快发展现代服务业的意见,聊政发[2012]8号,聊城市人民政府,,,2",
        "2012,4,76,2012-04-25,其他,公告,聊告〔2012〕1号,聊城市人民政府,,,3",
        "2012,5,77,2012-05-25,其他,公告,聊告（2012）1号,聊城市人民政府,,,3",
    )
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(3, "文号"), (5, "文号")}
    assert "在第 2 行已出现" in err and "在第 4 行已出现" in err


def test_a_document_an_existing_issue_carries_is_refused(tmp_path, capsys):
    root = make_site(tmp_path)
    carried = _carried_documents(root)
    if not carried:
        pytest.skip("the example's issues carry no policy document yet")
    doc_id, doc_number = carried[0]
    listing = write_listing(tmp_path, f"2012,3,75,2012-03-25,市政府文件,一份文件,{doc_number},聊城市人民政府,,,2")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(2, "文号")} and f"content/policies/{doc_id}.md 已刊登在 content/gazettes/" in err


def _carried_documents(root: Path) -> list[tuple[str, str]]:
    """(id, 文号) of the policy documents the example's issues carry."""
    carried = []
    for issue in sorted((root / "content/gazettes").glob("*/*.yaml")):
        for doc_id in re.findall(r"^\s*- doc: ([a-z0-9-]+)", issue.read_text(encoding="utf-8"), re.MULTILINE):
            policy = root / f"content/policies/{doc_id}.md"
            found = re.search(r"^doc_number: (.+)$", policy.read_text(encoding="utf-8"), re.MULTILINE) if policy.is_file() else None
            if found:
                carried.append((doc_id, found[1].strip()))
    return carried


# -- issues: agreement, order, never overwrite ------------------------------------------------


def test_issue_columns_agree_across_its_rows(tmp_path, capsys):
    root = make_site(tmp_path)
    (folder := tmp_path / "pdfs").mkdir()
    for name in ("a.pdf", "b.pdf"):
        shutil.copy(FIXTURES / "pdf/2014-01.pdf", folder / name)
    listing = write_listing(
        tmp_path,
        "2012,3,75,2012-03-25,市政府文件,一,,机关,,pdfs/a.pdf,2",
        "2012,3,76,2012-03-25,市政府文件,二,,机关,,pdfs/a.pdf,3",
        "2012,3,75,2012/3/26,市政府文件,三,,机关,,pdfs/a.pdf,4",
        "2012,3,75,2012年3月25日,市政府文件,四,,机关,,pdfs/b.pdf,5",
        "2012,3,75,2012-03-25,市政府文件,五,,机关,,,6",
        "2012,4,76,2012-04-25,市政府文件,六,,机关,,pdfs/b.pdf,2",
        "2012,4,76,2012-04-25,市政府文件,七,,机关,,pdfs/../pdfs/b.pdf,3",
        "2012,5,77,2012-05-25,市政府文件,八,,机关,,pdfs/a.pdf,2",
    )
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(3, "总期号"), (4, "出版日期"), (5, "PDF"), (6, "PDF"), (9, "PDF")}
    assert "第 2 行为“pdfs/a.pdf”，本行为“空”" in err
    assert "同一个 PDF 已用作 2012年第3期（第 2 行）" in err


def test_total_numbers_rise_with_the_date(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(
        tmp_path,
        "2012,1,73,2012-01-25,其他,一,,机关,,,",
        "2012,3,74,2012-03-25,其他,三,,机关,,,",
        "2012,2,75,2012-02-25,其他,二,,机关,,,",  # later total, earlier date
        "2012,4,76,2012-04-25,其他,四,,机关,,,",
        "2012,5,76,2012-05-25,其他,五,,机关,,,",  # the same total as 第4期
    )
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(3, "总期号"), (6, "总期号")}
    assert "总期号 74 应大于出版日期更早的 2012年第2期（2012-02-25）的总期号 75" in err


def test_total_numbers_rise_across_the_issues_already_there(tmp_path, capsys):
    root = make_site(tmp_path)
    issues = sorted((root / "content/gazettes").glob("*/*.yaml"))
    if not issues:
        pytest.skip("the example has no issue yet")
    data = read_data(issues[0], root, Problems()).data
    listing = write_listing(tmp_path, f"2010,1,{int(data['total_number']) + 1},2010-01-25,其他,一,,机关,,,")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(2, "总期号")}
    assert f"应小于出版日期更晚的 {data['year']}年第{int(data['number'])}期（{issues[0].relative_to(root).as_posix()}）" in err


def test_an_import_never_overwrites(tmp_path, capsys):
    root = make_site(tmp_path)
    assert run_import(root, LISTING, capsys)[0] == 0
    before = tree_digest(root)
    code, out, err = run_import(root, LISTING, capsys)
    assert code == 1 and out == ""
    assert len([line for line in err.splitlines() if "已存在" in line]) == 50
    assert "导入不会覆盖已有的文件" in err
    assert tree_digest(root) == before


@pytest.mark.parametrize("there", ["2012/03.yaml", "2012/3.yaml", "2012/03/rsrm.md", "2012/03.pdf"])
def test_any_file_of_the_issue_already_there_is_refused(tmp_path, capsys, there):
    root = make_site(tmp_path)
    path = root / "content/gazettes" / there
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("已有的内容\n", encoding="utf-8")
    before = tree_digest(root)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,一,,机关,,pdf/2014-01.pdf,",
                            "2012,4,76,2012-04-25,其他,二,,机关,,,")
    shutil.copytree(FIXTURES / "pdf", tmp_path / "pdf")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(2, "期号")} and "2012年第3期已存在" in err
    assert tree_digest(root) == before


def test_a_failure_midway_takes_back_what_was_written(tmp_path, capsys):
    """2013 is a second name for 2012 (a symlink inside content/, which the checks allow):
    the 2013 issue files meet the 2012 ones just written, and everything is taken back."""
    root = make_site(tmp_path)
    (root / "content/gazettes/2013").symlink_to("2012", target_is_directory=True)
    (root / "content/gazettes/2012").mkdir()
    before = tree_digest(root)
    code, out, err = run_import(root, LISTING, capsys)
    assert code == 1 and out == ""
    assert "写入失败" in err and "已撤销" in err and "content/gazettes/2013/01.yaml" in err
    assert tree_digest(root) == before
    assert not (root / "content/gazettes/2010").exists() and not list((root / "content/gazettes/2012").iterdir())
    assert not staging_left(root)


@pytest.mark.parametrize("where, make", [
    ("content/gazettes/2013", lambda root: (root / "content/gazettes/2013").write_text("占位\n", encoding="utf-8")),
    ("content/gazettes/2013", lambda root: ((root / "content/note.txt").write_text("说明\n", encoding="utf-8"),
                                            (root / "content/gazettes/2013").symlink_to("../note.txt"))),
    ("content/gazettes", lambda root: (shutil.rmtree(root / "content/gazettes"),
                                       (root / "content/gazettes").write_text("占位\n", encoding="utf-8"))),
])
def test_a_file_where_a_folder_goes_is_refused_before_writing(tmp_path, capsys, where, make):
    root = make_site(tmp_path)
    make(root)
    before = tree_digest(root)
    code, out, err = run_import(root, LISTING, capsys)
    assert code == 1 and out == ""
    assert f"{where} 是" in err and "不是文件夹，不能写入" in err and "写入失败" not in err
    assert len([line for line in err.splitlines() if where in line]) == 1, "once, not once an issue"
    assert tree_digest(root) == before and not staging_left(root)


# -- what the files say ------------------------------------------------------------------


TITLES = [
    "公告: 第1号", '关于"民生实事"的公示', "关于第#1批项目的公示 # 不是注释", "路径 C:\\公报\\2012", "- 以连字符开头",
    "null", "yes", "@开头", "[方括号]", "{花括号}", "'单引号'", "&锚点", "*别名", "!标签", "%指令", "`反引号`", "> 大于号",
    "| 竖线", "?", "2012-03-25", "0x1F", "“中文引号”：全角冒号", "~",
]


def test_titles_are_written_as_text(tmp_path, capsys):
    root = make_site(tmp_path)
    cells = ['"' + title.replace('"', '""') + '"' for title in TITLES]
    rows = [f"2012,3,75,2012-03-25,其他,{cell},聊告〔2012〕{n}号,\"机关: #1\",{cell},," for n, cell in enumerate(cells, 1)]
    code, _, err = run_import(root, write_listing(tmp_path, *rows), capsys)
    assert code == 0, err
    written = {s.path.stem: s.front.data for s in stubs(root, range(2012, 2013))}
    assert written == {f"a{n:02d}": {"title": title, "agency": "机关: #1", "doc_number": f"聊告〔2012〕{n}号", "kind": title}
                       for n, title in enumerate(TITLES, 1)}


def test_stubs_are_named_in_table_of_contents_order(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,丙,,机关,,,", "2012,3,75,2012-03-25,市政府文件,甲,,机关,,,",
                            "2012,3,75,2012-03-25,其他,丁,,机关,,,", "2012,3,75,2012-03-25,部门文件,乙,,机关,,,")
    assert run_import(root, listing, capsys)[0] == 0
    data = issue_data(root, 2012, 3)
    assert [(s["name"], [i["article"] for i in s["items"]]) for s in data["sections"]] == [
        ("市政府文件", ["a01"]), ("部门文件", ["a02"]), ("其他", ["a03", "a04"])]
    titles = [read_source(root / f"content/gazettes/2012/03/a0{n}.md", root, Problems()).front.data["title"] for n in range(1, 5)]
    assert titles == ["甲", "乙", "丙", "丁"]
    body = (root / "content/gazettes/2012/03/a01.md").read_text(encoding="utf-8")
    assert body.endswith("\n---\n\n本文全文见本期公报印刷版。\n")


def test_a_site_without_gazette_sections_is_told_what_to_add(tmp_path, capsys):
    root = make_site(tmp_path)
    config = root / "site_config.yaml"
    config.write_text(re.sub(r"\ngazette:\n(  .*\n|\n)*", "\n", config.read_text(encoding="utf-8")), encoding="utf-8")
    assert not re.search(r"(?m)^gazette:", config.read_text(encoding="utf-8"))
    code, _, err = run_import(root, LISTING, capsys)
    assert code == 1 and "site_config.yaml" in err and "gazette.sections" in err


def test_an_unclosed_quote_that_swallows_the_file(tmp_path, capsys):
    root = make_site(tmp_path)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,公告,,聊城市人民政府,,,2",
                            '2012,3,75,2012-03-25,其他,"没有配对的引号,,机关,,,3', *(["2012,3,75,2012-03-25,其他,一行,,机关,,,"] * 3000))
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert ":3: " in err and "引号" in err and "Traceback" not in err


def test_a_sites_own_catalog_csv_imports_into_another_site(tmp_path, capsys):
    """Export and import are one format: catalog.csv of a built site (its 网址 and
    SHA-256 columns ignored) brings every issue into a site that has none, and the
    rebuilt catalogue lists the same issues and articles."""
    source = make_site(tmp_path / "a")
    assert run_cli(root=source).returncode == 0
    target = make_site(tmp_path / "b", gazettes=False)
    code, out, err = run_import(target, source / "output" / "gazette" / "catalog.csv", capsys)
    assert code == 0, err
    assert run_cli(root=target).returncode == 0

    def rows(out_dir: Path) -> list[tuple]:
        keep = ("年份", "期号", "总期号", "出版日期", "栏目", "标题", "文号", "发文机关", "文种", "页码")
        return [tuple(row[k] for k in keep) for row in csv_rows(out_dir / "gazette" / "catalog.csv", "utf-8-sig")]

    assert rows(target / "output") == rows(source / "output")


# -- what a site's catalogue holds comes back as it was ------------------------------------


ARTICLES = [  # (title, agency, doc_number, kind): text the build accepts that a spreadsheet would run or break
    ("=1+1", "聊城市人民政府", "", ""),
    ("-5 号文件", "-机关", "-1号", "-通知"),
    ("+86 热线开通的公告", "+机关", "+2号", "+公告"),
    ("@全体人员", "@机关", "@3号", "@通报"),
    ('=HYPERLINK("http://evil.example","点击")', "=cmd|' /c calc'!A1", "=4号", "=SUM(1)"),
    ("大事记\n第二行\t附", "聊城市\n人民政府", "聊政发\t〔2012〕5号", "通\n知"),
    ('引号"与,逗号: #不是注释', "'单引号开头的机关", "'6号", "'公告"),
]


def gazette_site(tmp_path: Path) -> Path:
    """A site with one issue whose articles carry ARTICLES (written as JSON strings, valid YAML)."""
    root = make_site(tmp_path, gazettes=False)
    folder = root / "content/gazettes/2012"
    (folder / "03").mkdir(parents=True)
    items = "".join(f"      - article: t{n}\n        pages: \"{n}\"\n" for n in range(1, len(ARTICLES) + 1))
    (folder / "03.yaml").write_text("year: 2012\nnumber: 3\ntotal_number: 50\npublished: 2012-03-25\n"
                                    f"sections:\n  - name: 其他\n    items:\n{items}", encoding="utf-8")
    for n, values in enumerate(ARTICLES, 1):
        front = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
                        for key, value in zip(("title", "agency", "doc_number", "kind"), values, strict=True) if value)
        (folder / "03" / f"t{n}.md").write_text(f"---\n{front}---\n\n正文。\n", encoding="utf-8")
    return root


def catalogued(root: Path) -> list[tuple]:
    issues = json.loads((root / "output/gazette/catalog.json").read_bytes())["issues"]
    return [(a["title"], a["agency"], a["doc_number"] or "", a["kind"] or "") for i in issues for a in i["articles"]]


def test_the_catalogue_of_a_build_imports_again_unchanged(tmp_path, capsys):
    """build → catalog.csv → import → build: formula-like cells come back without the
    apostrophe catalog.csv adds, line breaks and Tabs as they were."""
    source = gazette_site(tmp_path / "a")
    built = run_cli("--build-date", "2026-11-25", root=source)
    assert built.returncode == 0, built.stderr
    assert sorted(catalogued(source)) == sorted(ARTICLES)
    catalogue = source / "output/gazette/catalog.csv"
    cells = {cell for row in csv_rows(catalogue, "utf-8-sig") for cell in row.values()}
    assert {"'=1+1", "'-5 号文件", "'@全体人员", "'+机关"} <= cells, "the build neutralises formula-like cells"

    target = make_site(tmp_path / "b", gazettes=False)
    code, out, err = run_import(target, catalogue, capsys)
    assert code == 0, err
    assert f"共 {len(ARTICLES)} 篇" in out
    written = stubs(target, range(2012, 2013))
    assert sorted((s.front.data["title"], s.front.data["agency"], s.front.data.get("doc_number", ""),
                   s.front.data.get("kind", "")) for s in written) == sorted(ARTICLES)
    for stub in written:  # one line a field: a break or Tab is an escape in a quoted scalar
        front = stub.path.read_text(encoding="utf-8").split("---\n")[1]
        assert len(front.splitlines()) == len(stub.front.data) and "\t" not in front
    rebuilt = run_cli("--build-date", "2026-11-25", root=target)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert catalogued(target) == catalogued(source)


@pytest.mark.parametrize("cell, text", [
    ("'=1+1", "=1+1"), ("'-5 号文件", "-5 号文件"), ("'+86", "+86"), ("'@全体", "@全体"), ("'\t附件", "附件"),
    ("''=1", "''=1"),  # one apostrophe, and only right before the formula's first character
    ("'单引号'", "'单引号'"), ("' =1", "' =1"), ("'", "'"), ("=1+1", "=1+1"), ("x'=1", "x'=1"),
])
def test_the_apostrophe_before_a_formula_comes_off(tmp_path, capsys, cell, text):
    root = make_site(tmp_path)
    quoted = '"' + cell.replace('"', '""') + '"'
    listing = write_listing(tmp_path, f"2012,3,75,2012-03-25,其他,{quoted},{quoted},{quoted},{quoted},,")
    code, _, err = run_import(root, listing, capsys)
    assert code == 0, err
    [stub] = stubs(root, range(2012, 2013))
    assert [stub.front.data[key] for key in ("title", "doc_number", "agency", "kind")] == [text] * 4


def test_line_breaks_and_tabs_are_text_in_text_columns(tmp_path, capsys):
    root = make_site(tmp_path)
    rows = ['2012,3,75,2012-03-25,其他,"第一行\n第二行",,机关,,,2', '2012,3,75,2012-03-25,其他,"甲\t乙","聊发\n〔2012〕1号","聊城\t市",'
            '"通\r\n知",,3', '2012,3,75,2012-03-25,其他,"结尾的换行\n\n",,机关,,,4', "2012,3,75,2012-03-25,其他,三,,机关,,,5"]
    code, _, err = run_import(root, write_listing(tmp_path, *rows), capsys)
    assert code == 0, err
    written = [s.front.data for s in stubs(root, range(2012, 2013))]
    assert written == [{"title": "第一行\n第二行", "agency": "机关"},
                       {"title": "甲\t乙", "agency": "聊城\t市", "doc_number": "聊发\n〔2012〕1号", "kind": "通\n知"},
                       {"title": "结尾的换行", "agency": "机关"}, {"title": "三", "agency": "机关"}]
    assert issue_data(root, 2012, 3)["sections"][0]["items"][3] == {"article": "a04", "pages": "5"}, "line numbers hold"
    assert run_cli("check", root=root).returncode == 0


@pytest.mark.parametrize("rows, line", [
    # a quote left open to the end of the file
    (['2012,3,75,2012-03-25,其他,"开头的引号没有配对,,机关,,,3', "2012,3,75,2012-03-25,其他,一行,,机关,,,"], 3),
    # closed rows later by a quote that ends a cell: the rows between are one title
    (['2012,3,75,2012-03-25,其他,"开头的引号没有配对,,机关,,,3', "2012,3,75,2012-03-25,其他,一行,,机关,,,",
      '2012,3,75,2012-03-25,其他,说明",,机关,,,'], 3),
    # text after a closing quote
    (['2012,3,75,2012-03-25,其他,"关于"民生"的通知",,机关,,,3'], 3),
])
def test_a_quote_that_is_not_paired_is_still_found(tmp_path, capsys, rows, line):
    root = make_site(tmp_path)
    before = tree_digest(root)
    listing = write_listing(tmp_path, "2012,3,75,2012-03-25,其他,公告,,聊城市人民政府,,,2", *rows)
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert f":{line}: " in err and "引号" in err
    assert tree_digest(root) == before


# -- never through a symlink out of content/ ---------------------------------------------


def _link(root: Path, where: str, to: Path | str) -> None:
    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    path.symlink_to(to, target_is_directory=True)


OUTSIDE = [  # (the symlink, where it points: relative to tmp_path, or to the project when it starts "site/")
    ("content/gazettes", "outside"),
    ("content/gazettes/2012", "outside"),
    ("content/gazettes/2012", "nowhere"),  # a dangling link out of the project
    ("content/gazettes/2019", "outside"),  # a year that has issues already
]


@pytest.mark.parametrize("where, to", OUTSIDE)
def test_an_import_never_writes_through_a_symlink_out_of_the_project(tmp_path, where, to):
    root = make_site(tmp_path)
    (outside := tmp_path / "outside").mkdir()
    if where.endswith("2019"):
        shutil.copytree(root / "content/gazettes/2019", outside, dirs_exist_ok=True)
    _link(root, where, tmp_path / to)
    before, there = tree_digest(root), tree_digest(outside)
    year = where.rsplit("/", 1)[-1] if where[-1].isdigit() else "2012"
    listing = write_listing(tmp_path, f"{year},3,50,{year}-03-25,其他,标题,,机关,,,5")
    done = subprocess.run([sys.executable, str(BUILD_PY), "--root", str(root), "import-gazette", str(listing)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{where} 是指向项目以外的符号链接，不能写入" in done.stderr, done.stderr
    assert "未写入任何文件" in done.stderr and done.stdout == ""
    assert tree_digest(root) == before and tree_digest(outside) == there
    assert not staging_left(root) and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("to, words", [
    ("site/layouts", "content/gazettes/2012 是指向 content/ 目录以外的符号链接，不能写入"),
    ("site/content/missing", "content/gazettes/2012 是指向不存在的位置的符号链接，不是文件夹，不能写入"),
    ("site/content/gazettes/2012", "content/gazettes/2012 是循环的符号链接"),
])
def test_other_symlinks_a_year_folder_cannot_be(tmp_path, capsys, to, words):
    root = make_site(tmp_path)
    _link(root, "content/gazettes/2012", tmp_path / to)
    before = tree_digest(root / "content")
    listing = write_listing(tmp_path, "2012,3,50,2012-03-25,其他,标题,,机关,,,5", "2012,4,51,2012-04-25,其他,标题,,机关,,,5")
    code, _, err = run_import(root, listing, capsys)
    assert code == 1
    assert reported(err) == {(2, "年份")} and words in err, err
    assert tree_digest(root / "content") == before and not staging_left(root)


def test_an_issue_folder_that_is_a_symlink_is_refused(tmp_path, capsys):
    root = make_site(tmp_path)
    (outside := tmp_path / "outside").mkdir()
    _link(root, "content/gazettes/2012/03", outside)
    code, _, err = run_import(root, write_listing(tmp_path, "2012,3,50,2012-03-25,其他,标题,,机关,,,5"), capsys)
    assert code == 1 and "2012年第3期已存在（content/gazettes/2012/03，是一个符号链接）" in err
    assert not list(outside.iterdir()) and not (root / "content/gazettes/2012/03.yaml").exists()


def test_a_symlink_to_a_folder_inside_content_is_written_through(tmp_path, capsys):
    """As the build reads it: a year folder kept elsewhere in content/ (here a hidden one)."""
    root = make_site(tmp_path)
    (root / "content/.archive/2012").mkdir(parents=True)
    _link(root, "content/gazettes/2012", "../.archive/2012")
    code, _, err = run_import(root, write_listing(tmp_path, "2012,3,50,2012-03-25,其他,标题,,机关,,,5"), capsys)
    assert code == 0, err
    assert sorted(p.name for p in (root / "content/.archive/2012").iterdir()) == ["03", "03.yaml"]
