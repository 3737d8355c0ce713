"""Second-round acceptance attacks on 政府公报: what a real office, a hostile editor or a reader with a phone
or screen reader meets, in classes tests/test_gazette_attack.py does not cover.

Each class that found a defect (all since fixed) keeps its test, its docstring or name saying what it
guards; the classes that held are kept brief. Everything runs through the real command line on temporary copies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUILD_PY, Project, tree_digest

BUILD_DATE = "2026-11-25"


def cli(project: Project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BUILD_PY), *args, "--root", str(project.root)],
                          capture_output=True, text=True, timeout=120)


def build(project: Project, date: str = BUILD_DATE, command: str | None = None) -> subprocess.CompletedProcess:
    return cli(project, *([command] if command else []), "--build-date", date)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(done: subprocess.CompletedProcess) -> list[str]:
    """The report lines of the errors, not of the 提醒 (which may come before or after them)."""
    if "个内容错误：" not in done.stderr:
        return []
    text = done.stderr.split("个内容错误：", 1)[1]
    return [line.strip() for line in text.splitlines() if line.startswith("  ") and "字段 published：本期出版日期" not in line]


def without_gazette(project: Project, keep_block: bool) -> None:
    shutil.rmtree(project.root / "content/gazettes")
    if not keep_block:
        config = project.root / "site_config.yaml"
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"\n# 政府公报.*?(?=\n\S|\Z)", "\n", re.sub(r"\ngazette:\n(  .*\n)*", "\n", text),
                                 flags=re.S), encoding="utf-8")
        assert not re.search(r"(?m)^gazette:", config.read_text(encoding="utf-8"))


ISSUE_2026_12 = """year: 2026
number: 12
total_number: 200      # 总期号（必填）：总第几期
published: 2026-12-02  # 出版日期（必填）：印刷版的出版日期
sections:
  - name: 人事任免
    items:
      - article: rsrm
        pages: 5
"""


# == classes that found defects ====================================================================


def test_a_held_back_article_body_is_checked_before_its_publication_day(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    project.write("gazettes/2026/12.yaml", ISSUE_2026_12)
    project.write("gazettes/2026/12/rsrm.md", "---\ntitle: 关于某某任职的通知\nagency: 聊城市人民政府\n---\n\n正文。\n\n"
                  "[[table:nonexist]]\n\n[坏链接](doc:nosuch) <script>x</script>\n\n#### 跳级\n")
    on_the_day = build(project, "2026-12-02", "check")
    assert on_the_day.returncode == 1 and len(errors(on_the_day)) == 4, on_the_day.stderr  # the defects are real
    before = build(project, BUILD_DATE, "check")
    assert before.returncode == 1, before.stdout + before.stderr


def test_a_file_an_article_links_is_covered_by_the_manifest(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    with (project.root / "content/gazettes/2019/06/rsrm.md").open("a", encoding="utf-8") as f:
        f.write("\n附件：[任免名单](../../../files/2024/zwgk-2024-rwfg.txt)\n")
    assert build(project).returncode == 0
    with (project.output / "files/2024/zwgk-2024-rwfg.txt").open("a", encoding="utf-8") as f:
        f.write("篡改\n")
    done = cli(project, "verify-gazette", str(project.output))
    assert done.returncode == 1 and "zwgk-2024-rwfg.txt" in done.stdout, done.stdout


def test_attachments_in_an_article_say_how_to_attach_a_file(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    edit(project.root / "content/gazettes/2019/06/rsrm.md", "agency: 聊城市人民政府\n",
         "agency: 聊城市人民政府\nattachments: [{title: 名单, file: files/2024/zwgk-2024-rwfg.txt}]\n")
    done = build(project, command="check")
    line = next(line for line in errors(done) if "字段 attachments" in line)
    assert "正文" in line and "链接" in line, line


def test_new_gazette_without_a_gazette_block_is_refused(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    without_gazette(project, keep_block=False)
    done = cli(project, "new", "gazette", "2026-12")
    assert not (project.root / "content/gazettes").exists()
    assert done.returncode != 0 and "gazette" in done.stderr


@pytest.fixture
def signed_key(tmp_path) -> Path:
    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    key = tmp_path / "key/gazette-key"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "聊城市人民政府办公室", "-f", str(key)], check=True)
    return key


def one_issue_site_with_key(tmp_path: Path, key: Path) -> Project:
    """The example with only 2019/06, so the README's recipe (one issue) is the whole job."""
    project = Project(tmp_path / "site", with_example=True)
    gazettes = project.root / "content/gazettes"
    for path in [*gazettes.glob("20[!1]*"), *gazettes.glob("2019/09*")]:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    public = key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    edit(project.root / "site_config.yaml", "  # public_key: ssh-ed25519 AAAA… 聊城市人民政府办公室", f"  public_key: {public}")
    return project


def test_missing_signatures_get_advice_on_signing_not_on_tampering(tmp_path, signed_key):
    project = one_issue_site_with_key(tmp_path, signed_key)
    assert build(project).returncode == 0
    done = cli(project, "verify-gazette", str(project.output))
    assert done.returncode == 1 and "缺少签名" in done.stdout
    assert "与发布时不同" not in done.stdout and "content/gazettes/2019/06.manifest.sig" in done.stdout, done.stdout


# == classes that hold ==============================================================================


def test_the_signing_recipe_works_as_written_and_a_layout_change_voids_it(tmp_path, signed_key):
    """README's commands literally; then a layout change: exit 1 with 签名无效 for the issue and the catalogue."""
    project = one_issue_site_with_key(tmp_path, signed_key)
    assert build(project).returncode == 0
    out, content = project.output / "gazette", project.root / "content/gazettes"
    sign = ["ssh-keygen", "-Y", "sign", "-f", str(signed_key), "-n", "gongkai-gazette"]
    subprocess.run([*sign, str(out / "2019/06/manifest.json")], check=True, capture_output=True)
    shutil.copy(out / "2019/06/manifest.json.sig", content / "2019/06.manifest.sig")
    with (out / "catalog.json").open("rb") as src, (content / "catalog.sig").open("wb") as dst:
        subprocess.run(sign, stdin=src, stdout=dst, check=True)
    assert build(project).returncode == 0
    done = cli(project, "verify-gazette", str(project.output))
    assert done.returncode == 0 and "并核对了签名" in done.stdout, done.stdout
    edit(project.root / "layouts/base.html", "</footer>", "<p>新的页脚</p></footer>")
    assert build(project).returncode == 0
    done = cli(project, "verify-gazette", str(project.output))
    assert done.returncode == 1, done.stdout
    assert "2019/06/manifest.json：签名无效" in done.stdout and "catalog.json：签名无效" in done.stdout


def test_the_editors_guide_step_by_step(tmp_path):
    """new issue, new article, fill in as 编辑指南 says, links to another issue and its article, a data table;
    check warns of the future issue; on the day it publishes and links resolve."""
    project = Project(tmp_path / "site", with_example=True)
    for slug in ("2026-12", "2026-12-rsrm"):
        done = cli(project, "new", "gazette", slug)
        assert done.returncode == 0, done.stderr
    scaffold = build(project, command="check")
    assert {"content/gazettes/2026/12.yaml:3: 字段 total_number", "content/gazettes/2026/12/rsrm.md:2: 字段 title"} <= {
        line.split("：")[0] for line in errors(scaffold)}
    project.write("gazettes/2026/12.yaml", ISSUE_2026_12)
    article = project.root / "content/gazettes/2026/12/rsrm.md"
    edit(article, "title:  ", "title: 关于某某任职的通知  ")
    edit(article, "agency:  ", "agency: 聊城市人民政府  ")
    with article.open("a", encoding="utf-8") as f:
        f.write("\n见[上一期](doc:gazette-2025-03)、[大事记](doc:gazette-2019-06-dsj)。\n\n[[table:lc-2019-key-tasks]]\n")
    early = build(project, command="check")
    assert early.returncode == 0 and "content/gazettes/2026/12.yaml:4: 字段 published" in early.stderr, early.stderr
    assert "暂不发布" in early.stderr
    done = build(project, "2026-12-02")
    assert done.returncode == 0, done.stderr
    page = project.html("gazette/2026/12/rsrm")
    assert 'href="../../../2025/03/"' in page and 'href="../../../2019/06/dsj/"' in page and "<caption" in page


def test_moving_an_issue_from_06_to_07_is_guided(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    year = project.root / "content/gazettes/2019"
    (year / "06.yaml").rename(year / "07.yaml")
    (year / "06").rename(year / "07")
    done = build(project, command="check")
    assert errors(done) == ["content/gazettes/2019/07.yaml:4: 字段 number：期号为 6，但文件名是 07.yaml："
                            "请改正期号，或把文件改名为 06.yaml"], done.stderr
    edit(year / "07.yaml", "number: 6", "number: 7")
    project.write("pages/moved.md", "---\ntitle: 链接\n---\n\n[第6期](doc:gazette-2019-06)\n")
    done = build(project, command="check")
    assert errors(done) == ["content/pages/moved.md:5: 链接目标不存在：找不到标识为“gazette-2019-06”的文件"], done.stderr
    (project.root / "content/pages/moved.md").unlink()
    assert build(project).returncode == 0
    assert (project.output / "gazette/2019/07/gazette-2019-07.pdf").is_file()
    assert 'href="../../gazette/2019/07/"' in project.html("policies/lzbf-2019-5")


def test_an_excel_gb18030_listing_imports_once_and_is_refused_the_second_time(tmp_path):
    """CRLF, no BOM, GB18030, trailing empty columns, empty rows, "03" quoted and 03 bare; ="03" is refused
    at its line and column; a second run changes nothing and names both issues."""
    project = Project(tmp_path / "site", with_example=True)
    rows = ["年份,期号,总期号,出版日期,栏目,标题,文号,发文机关,文种,页码,PDF,,,",
            "2012,03,50,2012/3/25,其他,关于甲的通知,,聊城市人民政府,通知,5,,,,",
            '2012,"03",50,2012/3/25,其他,关于乙的通知,,聊城市人民政府,通知,"6",,,,',
            ",,,,,,,,,,,,,",
            "2012,04,51,2012年4月25日,人事任免,关于丙的任免,聊政任〔2012〕1号,聊城市人民政府,通知,第3—4页,,,,",
            ",,,,,,,,,,,,,"]
    listing = tmp_path / "往期目录.csv"
    listing.write_bytes(("\r\n".join([rows[0], rows[1].replace(",03,", ',="03",')]) + "\r\n").encode("gb18030"))
    formula = cli(project, "import-gazette", str(listing))
    assert formula.returncode == 1 and "往期目录.csv:2: 字段 期号" in formula.stderr, formula.stderr
    listing.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    first = cli(project, "import-gazette", str(listing))
    assert first.returncode == 0 and "已导入 2 期公报：共 3 篇" in first.stdout, first.stdout + first.stderr
    content = tree_digest(project.root / "content")
    second = cli(project, "import-gazette", str(listing))
    assert second.returncode == 1 and tree_digest(project.root / "content") == content
    assert "2012年第3期已存在" in second.stderr and "2012年第4期已存在" in second.stderr
    assert build(project).returncode == 0
    issues = json.loads((project.output / "gazette/catalog.json").read_bytes())["issues"]
    assert [a["title"] for i in issues if i["year"] == 2012 for a in i["articles"]] == ["关于甲的通知", "关于乙的通知",
                                                                                        "关于丙的任免"]


def test_a_site_without_the_gazette_block_shows_no_gazette(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    without_gazette(project, keep_block=False)
    assert build(project).returncode == 0
    assert not (project.output / "gazette").exists()
    # only documents and the catalog (its 政府公报 category) may say 公报, and the search index
    # that holds their text
    for page in project.output.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml", ".txt", ".json") and "公报" in page.read_text("utf-8"):
            folders = ("policies", "interpretations", "guide", "catalog", "rules", "sitemap", "search")
            assert page.relative_to(project.output).parts[0] in folders, page
            assert "gazette/" not in page.read_text("utf-8"), page


def test_a_gazette_with_no_issues_yet_says_so(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    without_gazette(project, keep_block=True)
    assert build(project).returncode == 0
    home = project.html("")
    block = home[home.index('id="latest-gazette"'):]
    assert "暂无" in block[:300]
    assert "暂无已出版的公报" in project.html("gazette") and "收录 0 期" in project.html("gazette")
    assert "<entry>" not in (project.output / "gazette/feed.xml").read_text("utf-8")


def test_a_future_issue_marks_nothing_and_links_nothing(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    project.write("gazettes/2026/12.yaml", ISSUE_2026_12.replace("人事任免", "市政府文件")
                  .replace("article: rsrm", "doc: lzbf-2021-27").replace("2026-12-02", "2026-12-20"))
    assert build(project).returncode == 0
    assert "刊登于" not in project.html("policies/lzbf-2021-27")
    for page in project.output.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".json", ".xml", ".csv"):
            assert "2026/12" not in page.read_text("utf-8-sig"), page


def test_an_issue_of_two_hundred_items_builds_checks_and_verifies(tmp_path):
    project = Project(tmp_path / "site", with_example=True)
    items = "".join(f"      - article: a{i:03d}\n        pages: \"{i + 1}\"\n" for i in range(200))
    project.write("gazettes/2026/01.yaml", "year: 2026\nnumber: 1\ntotal_number: 300\npublished: 2026-01-10\n"
                  f"sections:\n  - name: 其他\n    items:\n{items}")
    for i in range(200):
        project.write(f"gazettes/2026/01/a{i:03d}.md", f"---\ntitle: 第{i}篇\nagency: 聊城市人民政府\n---\n\n正文。\n")
    assert build(project).returncode == 0
    assert project.html("gazette/2026/01").count('<li>') >= 200
    assert len(json.loads((project.output / "gazette/2026/01/manifest.json").read_bytes())["files"]) == 201
    assert cli(project, "verify-gazette", str(project.output)).returncode == 0


# -- the reader's side, in Chromium -----------------------------------------------------------------


