"""Content mistakes: every one reported together, with file, line and field; exit 1;
output/ untouched; no traceback."""

from __future__ import annotations

import pytest
from conftest import policy, tree_digest


@pytest.fixture
def broken(empty):
    """A site with one of each mistake an editor can make."""
    p = empty
    p.write("policies/good.md", policy("正常文件", n=1))
    p.write("policies/missing-title.md", policy(n=2).replace("title: 测试文件\n", ""))
    p.write("policies/wrong-type.md", policy(n=3, extra="normative: 是的"))
    p.write("policies/bad-date.md", policy(n=4).replace("published: 2024-01-02", "published: 2019-02-30"))
    p.write("policies/yaml-error.md", "---\ntitle: 文件\nagency: [聊城市\n---\n正文\n")
    p.write("policies/typo.md", policy(n=5, extra="pubished: 2024-01-02"))
    p.write("policies/dup-a.md", policy(n=6, extra="id: same-id"))
    p.write("policies/dup-b.md", policy(n=7, extra="id: same-id"))
    p.write("policies/missing-ref.md", policy(n=8, extra="status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: no-such-doc"))
    p.write("policies/cycle-a.md", policy(n=9, extra="status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: cycle-b"))
    p.write("policies/cycle-b.md", policy(n=10, extra="status: 已废止\nstatus_date: 2024-02-01\nsuperseded_by: cycle-a"))
    p.write("policies/no-attachment.md", policy(n=11, extra="attachments:\n  - title: 附件一\n    file: files/missing.pdf"))
    p.write("policies/bad-kind.md", policy(n=12).replace("kind: 通知", "kind: 通告书"))
    p.write("interpretations/jd.md", """
        ---
        title: 解读
        interprets: [good, nowhere]
        published: 2024-01-03
        agency: 聊城市人民政府办公室
        form: 文字
        ---

        见[原文](doc:missing-target)。
    """)
    p.write("pages/policies.md", "---\ntitle: 冲突的页面\n---\n\n正文\n")
    (p.root / "content/policies/gbk.md").write_bytes(policy(n=13).encode("gbk"))
    return p


EXPECTED = [
    ("content/policies/missing-title.md:1", "title", "缺少必填字段 title（标题）"),
    ("content/policies/wrong-type.md:10", "normative", "应为 true 或 false"),
    ("content/policies/bad-date.md:7", "published", "日期无效：“2019-02-30”"),
    ("content/policies/yaml-error.md:3", "", "YAML 语法错误（第 13 列"),
    ("content/policies/typo.md:10", "pubished", "是否想写 published（发布日期）"),
    ("content/policies/dup-b.md:10", "id", "标识“same-id”与 content/policies/dup-a.md 重复"),
    ("content/policies/missing-ref.md:12", "superseded_by", "找不到标识为“no-such-doc”的文件"),
    ("content/policies/cycle-a.md:12", "superseded_by", "替代关系形成循环：cycle-a → cycle-b → cycle-a"),
    ("content/policies/no-attachment.md:12", "attachments.0.file", "附件文件不存在：content/files/missing.pdf"),
    ("content/policies/bad-kind.md:9", "kind", "取值“通告书”不在允许范围内"),
    ("content/policies/gbk.md:2", "", "文件不是 UTF-8 编码"),
    ("content/interpretations/jd.md:3", "interprets", "找不到标识为“nowhere”的文件"),
    ("content/interpretations/jd.md:9", "", "链接目标不存在：找不到标识为“missing-target”的文件"),
    ("content/pages/policies.md:2", "id", "与网站自身的网址 /policies/ 冲突"),
]


def test_every_mistake_is_reported_at_once_and_output_is_kept(broken):
    broken.write("policies/fine.md", policy("能生成的文件", n=20))
    good_site = broken.root / "content"
    # A first, good build to have an output/ worth keeping.
    saved = {p: p.read_bytes() for p in good_site.rglob("*.md") if p.name not in ("good.md", "fine.md")}
    for path in saved:
        path.unlink()
    (broken.root / "content/pages/policies.md").unlink(missing_ok=True)
    assert broken.build().returncode == 0
    before = tree_digest(broken.output)
    for path, data in saved.items():
        path.write_bytes(data)

    result = broken.build()

    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    report = result.stderr
    for where, field, message in EXPECTED:
        line = next((ln for ln in report.splitlines() if ln.strip().startswith(where + ":") and message in ln), None)
        assert line, f"expected {where} … {message} in:\n{report}"
        if field:
            assert f"字段 {field}：" in line, line
    assert f"发现 {report.count(chr(10) + '  content/')} 个内容错误" in report
    assert tree_digest(broken.output) == before
    assert not [p for p in broken.root.iterdir() if p.name.startswith(".output")], "staging directory left behind"


def test_check_reports_the_same_and_writes_nothing(broken):
    before = tree_digest(broken.root)
    result = broken.cli("check")
    assert result.returncode == 1
    assert "找不到标识为“no-such-doc”的文件" in result.stderr
    assert tree_digest(broken.root) == before


def test_status_needs_its_date_and_successor_only_when_repealed(empty):
    empty.write("policies/a.md", policy(n=1, extra="status: 已废止"))
    empty.write("policies/b.md", policy(n=2, extra="superseded_by: a"))
    report = empty.build().stderr
    assert "content/policies/a.md:10: 字段 status：有效性为“已废止”时须同时填写 status_date" in report
    assert "content/policies/b.md:10: 字段 superseded_by：只有已废止或已失效的文件才能填写替代文件" in report


def test_broken_site_config_is_reported_with_its_line(empty):
    config = empty.root / "site_config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size: 10", "page_size: 十"), encoding="utf-8")
    result = empty.build()
    assert result.returncode == 1
    assert "site_config.yaml:" in result.stderr and "page_size" in result.stderr
    assert "Traceback" not in result.stderr


def test_file_without_front_matter(empty):
    empty.write("policies/plain.md", "# 只有正文\n")
    result = empty.build()
    assert "content/policies/plain.md:1: 文件应以一行 --- 开头" in result.stderr


def test_non_ascii_file_name_needs_an_id(empty):
    empty.write("policies/聊政发2024.md", policy())
    assert "文件名“聊政发2024”不能直接作网址" in empty.build().stderr
    empty.write("policies/聊政发2024.md", policy(extra="id: lzf-2024-1"))
    assert empty.build().returncode == 0
    assert (empty.output / "policies/lzf-2024-1/index.html").is_file()


def test_no_content_path_reaches_outside_the_project(empty, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", encoding="utf-8")
    empty.write("policies/a.md", policy(n=1, extra="attachments:\n  - title: 越界\n    file: ../../secret.txt"))
    (empty.root / "content/files").mkdir(parents=True)
    (empty.root / "content/files/link.txt").symlink_to(secret)
    empty.write("policies/b.md", policy(n=2, extra="attachments:\n  - title: 链接\n    file: files/link.txt"))
    result = empty.build()
    assert result.returncode == 1
    assert "content/policies/a.md:12: 字段 attachments.0.file：附件路径“../../secret.txt”应是 content/ 目录内的相对路径" in result.stderr
    assert "content/files/link.txt: 符号链接指向 content/ 目录以外" in result.stderr
    assert "content/policies/b.md:12: 字段 attachments.0.file：附件路径“files/link.txt”" in result.stderr
    assert not empty.output.exists()


def test_index_and_document_numbers_are_unique(empty):
    empty.write("policies/a.md", policy("甲", n=1))
    empty.write("policies/b.md", policy("乙", n=1))
    report = empty.build().stderr
    assert "content/policies/b.md:4: 字段 index_number：索引号“11371500004314023F/2024-00001”与 content/policies/a.md 重复" in report
    assert "content/policies/b.md:3: 字段 doc_number：发文字号“聊政发〔2024〕1号”与 content/policies/a.md 重复" in report


def test_chinese_field_name_is_pointed_to_its_ascii_name(empty):
    empty.write("policies/a.md", policy(extra="发文机关: 聊城市人民政府"))
    assert "content/policies/a.md:10: 字段 发文机关：未知字段。是否想写 agency（发文机关）？" in empty.build().stderr


def test_a_broken_layout_is_reported_with_its_file_and_line(empty):
    empty.write("pages/about.md", "---\ntitle: 关于\n---\n\n正文\n")
    layout = empty.root / "layouts/page.html"
    layout.write_text(layout.read_text(encoding="utf-8").replace("{% endif %}", "{% endiff %}", 1), encoding="utf-8")
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "layouts/page.html:" in result.stderr and "版式模板错误" in result.stderr


def test_slips_that_used_to_pass_silently(empty):
    empty.write("policies/a.md", policy("甲", n=1, extra="id:"))
    empty.write("policies/b.md", policy("   ", n=2).replace("title:    ", 'title: "   "'))
    empty.write("policies/c.md", policy("丙", n=3, extra="status: 已废止\nstatus_date:"))
    empty.write("policies/d.md", policy("丁", n=4, extra="status: 已修订\nstatus_date: 2024-02-01\namended_by: [e, e]"))
    empty.write("policies/e.md", policy("戊", n=5, extra="expires: 2023-12-31"))
    empty.write("policies/normative.md", policy("己", n=6))
    empty.write("interpretations/jd.md", "---\ntitle: 解读\ninterprets: [e]\npublished: 2024-01-03\nagency: 办公室\nform: 文字\nyes: 1\n---\n\n正文\n")
    report = empty.build().stderr
    for expected in [
        "content/policies/a.md:10: 字段 id：标识不能为空",
        'content/policies/b.md:2: 字段 title：title（标题） 不能只有空格',
        "content/policies/c.md:10: 字段 status：有效性为“已废止”时须同时填写 status_date",
        "content/policies/d.md:12: 字段 amended_by：第 2 项“e”重复",
        "content/policies/e.md:10: 字段 expires：有效期至 2023-12-31 早于成文日期 2024-01-02",
        "content/policies/normative.md:2: 字段 id：标识“normative”与网站自身的网址 /policies/normative/ 冲突",
        "content/interpretations/jd.md:7: 字段 yes：未知字段",
    ]:
        assert expected in report, (expected, report)


def test_numbers_and_times_stay_as_written(empty):
    empty.write("policies/a.md", policy("8:30", n=1, extra="catalog: 0101\nsummary: 2019.10"))
    assert empty.build().returncode == 0
    page = empty.html("/policies/a/")
    assert "<h1>8:30</h1>" in page and 'content="2019.10"' not in page  # catalog: 0101 stayed text (a code, not 101)
    assert "聊政发〔2024〕1号　2019.10" in (empty.output / "feed.xml").read_text(encoding="utf-8")


def test_kinds_must_be_unique_in_the_config(empty):
    config = empty.root / "site_config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - {name: 函, slug: han}", "  - {name: 函, slug: han}\n  - {name: 函, slug: han2}"), encoding="utf-8")
    report = empty.build().stderr
    assert "site_config.yaml:" in report and "文种“函”重复" in report


def test_odd_files_are_reported_not_ignored_or_crashed_on(empty):
    empty.write("policies/Upper.MD", policy(n=1))
    empty.write("data/sub/t.yaml", "title: 表\n")
    (empty.root / "content/files").mkdir(parents=True)
    (empty.root / "content/files/loop").symlink_to(empty.root / "content/files/loop")
    empty.write("policies/long.md", policy(n=2).replace("正文测试文件。", "[附件](../files/" + "很长的文件名" * 20 + ".pdf)\n\n[空字节](a%00b.pdf)"))
    result = empty.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for expected in ["content/policies/Upper.MD: 内容文件的扩展名应为小写的 .md", "content/data/sub/t.yaml: 数据表文件应直接放在 content/data/ 中",
                     "content/files/loop: 符号链接指向 content/ 目录以外", "content/policies/long.md:13: 文件不存在",
                     "content/policies/long.md:15: 链接“a%00b.pdf”指向 content/ 目录以外"]:
        assert expected in result.stderr, (expected, result.stderr)


def test_a_bad_list_item_is_reported_at_its_own_line(empty):
    empty.write("policies/a.md", policy(n=1, extra="status: 已修订\nstatus_date: 2024-02-01\namended_by:\n  - b\n  - Bad_Id"))
    assert "content/policies/a.md:14: 字段 amended_by：第 2 项“Bad_Id”不是有效的文件标识" in empty.build().stderr
