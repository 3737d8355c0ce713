"""The example portal, built through the real command line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from conftest import tree_digest

SEED = "/policies/lzbf-2019-5/"
SEED_INTERPRETATION = "/interpretations/jd-lzbf-2019-5/"


@pytest.fixture
def built(example):
    result = example.build()
    assert result.returncode == 0, result.stderr
    return example


def soup(project, url) -> BeautifulSoup:
    return BeautifulSoup(project.html(url), "html.parser")


def metadata(page: BeautifulSoup) -> dict[str, str]:
    return {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in page.select(".metadata dl > div")}


def test_build_prints_a_summary_and_writes_the_site(built):
    assert (built.output / "index.html").is_file()
    assert (built.output / "404.html").is_file()
    result = built.build()
    assert re.search(r"生成完成：\d+ 个页面.*0 个错误。用时 [\d.]+ 秒", result.stdout)


def test_seed_document_shows_every_metadata_field(built):
    page = soup(built, SEED)
    assert page.h1.get_text() == "聊城市人民政府办公室关于印发2019年聊城市政务公开工作要点的通知"
    assert len(page.find_all("h1")) == 1
    assert metadata(page) == {
        "索引号": "11371500004314023F/2019-00005",
        "主题分类": "综合政务",
        "发文机关": "聊城市人民政府办公室",
        "成文日期": "2019年6月18日",
        "标题": "聊城市人民政府办公室关于印发2019年聊城市政务公开工作要点的通知",
        "发文字号": "聊政办发〔2019〕5号",
        "发布日期": "2019年6月19日",
        "文种": "通知",
        "规范性文件": "否",
        "有效性": "有效",
    }
    assert page.select_one(".status-banner") is None


def test_seed_document_renders_its_attachment_as_an_accessible_table(built):
    table = soup(built, SEED).find("table")
    assert table.caption.get_text() == "2019年聊城市重点领域信息公开主要任务分解表"
    assert [th.get_text() for th in table.thead.find_all("th")] == ["工作", "任务", "具体要求", "责任单位"]
    assert all(th["scope"] == "col" for th in table.thead.find_all("th"))
    groups = table.find_all("tbody")
    assert len(groups) == 4  # the four areas of work
    for group in groups:
        first = group.find("th")
        assert first["scope"] == "rowgroup"
        assert int(first.get("rowspan", 1)) == len(group.find_all("tr"))
    assert table.select('th[scope="row"][rowspan]'), "tasks with several requirements span their rows"
    region = table.find_parent("div", class_="table-wrap")
    assert region["tabindex"] == "0" and region["aria-labelledby"] == table.caption["id"]


def test_seed_document_and_its_interpretation_link_both_ways(built):
    document = soup(built, SEED)
    related = document.find(id="interpretations-title").find_parent("section")
    assert related.find("a", href="../../interpretations/jd-lzbf-2019-5/")
    interpretation = soup(built, SEED_INTERPRETATION)
    assert interpretation.select_one(".interpreted").find("a", href="../../policies/lzbf-2019-5/")
    assert "聊政办发〔2019〕5号" in interpretation.select_one(".interpreted").get_text()


def test_repealed_document_has_a_banner_linking_its_successor_and_back(built):
    old = soup(built, "/policies/lzf-2018-12/")
    banner = old.select_one(".status-banner")
    assert "已废止" in banner.get_text() and "2021年3月1日" in banner.get_text()
    assert banner.find("a", href="../lzf-2021-2/")
    assert metadata(old)["有效性"] == "已废止"
    successor = soup(built, "/policies/lzf-2021-2/")
    relation = successor.select_one(".relation")
    assert "本文件替代" in relation.get_text() and relation.find("a", href="../lzf-2018-12/")
    assert successor.select_one(".status-banner") is None


def test_amended_document_links_the_amending_one(built):
    amended = soup(built, "/policies/lzf-2020-5/")
    assert "已修订" in amended.select_one(".status-banner").get_text()
    assert amended.select_one(".status-banner").find("a", href="../lzf-2023-6/")
    assert soup(built, "/policies/lzf-2023-6/").select_one(".relation").find("a", href="../lzf-2020-5/")


def test_expiry_is_judged_as_of_the_build_date(example):
    assert example.cli("--build-date", "2023-06-01").returncode == 0
    assert metadata(soup(example, "/policies/lzbf-2021-27/"))["有效性"] == "有效"
    assert example.cli("--build-date", "2024-01-01").returncode == 0
    page = soup(example, "/policies/lzbf-2021-27/")
    assert metadata(page)["有效性"] == "已失效"
    assert "2024年1月1日" in page.select_one(".status-banner").get_text()


def test_attachments_show_type_and_size(built):
    item = soup(built, "/policies/lzf-2021-2/").select_one(".attachments li")
    link = item.find("a")
    assert (built.output / "policies/lzf-2021-2" / link["href"]).resolve().is_file()
    assert re.search(r"（CSV，[\d.]+ (KB|字节)）", item.get_text())


def test_lists_are_paginated_per_kind_and_year(built):
    first = soup(built, "/policies/")
    entries = first.select(".entries > li")
    assert len(entries) == 10  # page_size in site_config.yaml
    second = soup(built, "/policies/page/2/")
    assert second.select(".entries > li")
    assert first.select_one('.pager a[rel="next"]')["href"] == "page/2/"
    assert soup(built, "/policies/kind/tongzhi/").select(".entries > li")
    year = soup(built, "/policies/year/2019/")
    assert {a.get_text() for a in year.select(".entries a")} >= {"聊城市人民政府办公室关于印发2019年聊城市政务公开工作要点的通知"}
    assert "已废止" in first.get_text() or "已废止" in second.get_text()


def test_machine_readable_files(built):
    sitemap = ET.parse(built.output / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in sitemap}
    seed = next(loc for loc in locs if loc.endswith(SEED))
    assert locs[seed] == "2019-06-19"
    feed = ET.parse(built.output / "feed.xml").getroot()
    assert feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert "Sitemap: " in (built.output / "robots.txt").read_text()


def test_head_meta_and_json_ld(built):
    page = soup(built, SEED)
    names = {m["name"]: m["content"] for m in page.find_all("meta", attrs={"name": True})}
    assert names["ArticleTitle"] == page.h1.get_text()
    assert names["PubDate"].startswith("2019-06-19")
    assert names["ContentSource"] == "聊城市人民政府办公室"
    assert {"SiteName", "SiteIDCode", "ColumnName"} <= names.keys()
    ld = page.find("script", type="application/ld+json")
    assert '"legislationIdentifier": "聊政办发〔2019〕5号"' in ld.string


def test_no_inline_script_or_style_and_nothing_from_other_hosts(built):
    for path in built.output.rglob("*.html"):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(built.output)
        assert not page.find("style"), where
        assert not page.find(style=True), where
        for script in page.find_all("script"):
            assert script.get("type") == "application/ld+json" or script.get("src"), where
        for tag in page.find_all(["script", "img", "link", "iframe", "source"]):
            ref = tag.get("src") or tag.get("href") or ""
            assert not re.match(r"^(https?:)?//", ref), f"{where}: {tag}"
        assert not [a for t in page.find_all(True) for a in t.attrs if a.startswith("on")], where


def test_two_clean_builds_are_byte_identical(example, tmp_path):
    for name in ("one", "two"):
        result = example.build("--output", str(tmp_path / name), "--force")
        assert result.returncode == 0, result.stderr
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one == two and len(one) > 40


def test_check_writes_nothing(example):
    before = tree_digest(example.root)
    result = example.cli("check")
    assert result.returncode == 0, result.stderr
    assert "检查通过" in result.stdout
    assert tree_digest(example.root) == before
    assert not example.output.exists()


def test_every_page_links_the_accessibility_statement_from_its_footer(built):
    statement = soup(built, "/accessibility/")
    assert "WCAG 2.1" in statement.get_text() and "GB/T 37668-2019" in statement.get_text()
    assert statement.select_one(".updated time")["datetime"] == "2026-11-25"
    for path in built.output.rglob("*.html"):
        footer = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find("footer")
        links = {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}
        assert "无障碍声明" in links, path
        page_url = "https://site/" + path.relative_to(built.output).as_posix()
        assert urljoin(page_url, links["无障碍声明"]).endswith("/accessibility/"), path  # 404.html: under base_url


def test_main_navigation_marks_the_current_page_and_section(built):
    def current(url):
        return {a.get_text(): a.get("aria-current") for a in soup(built, url).select(".site-nav a")}

    assert current("/")["首页"] == "page"
    assert current("/policies/")["政策文件"] == "page"
    on_document = current(SEED)
    assert on_document["政策文件"] == "true" and on_document["首页"] is None
    assert set(current("/about/").values()) == {None}, "a page outside the menu marks nothing"
    assert current("/policies/normative/")["规范性文件"] == "page"


def test_a_decided_change_shows_before_it_takes_effect_and_chains_lead_to_the_current_document(example):
    policies = example.root / "content/policies"
    newest = policies / "lzbf-2025-2.md"
    newest.write_text(newest.read_text(encoding="utf-8").replace("---\n\n", "status: 已废止\nstatus_date: 2027-01-01\nsuperseded_by: lzbf-2024-3\n---\n\n", 1), encoding="utf-8")
    successor = policies / "lzf-2021-2.md"  # lzf-2018-12 → lzf-2021-2 → lzf-2023-6
    successor.write_text(successor.read_text(encoding="utf-8").replace("---\n\n", "status: 已废止\nstatus_date: 2023-05-25\nsuperseded_by: lzf-2023-6\n---\n\n", 1), encoding="utf-8")
    assert example.build().returncode == 0, example.build().stderr
    pending = soup(example, "/policies/lzbf-2025-2/")
    assert metadata(pending)["有效性"] == "有效"
    assert "本文件将于2027年1月1日废止，在此之前继续有效。" in pending.select_one(".status-banner").get_text()
    old = soup(example, "/policies/lzf-2018-12/").select_one(".status-banner")
    assert "替代文件：" in old.get_text() and old.find("a", href="../lzf-2021-2/")
    assert "现行有效文件：" in old.get_text() and old.find("a", href="../lzf-2023-6/")


def test_an_amended_document_still_expires(example):
    amended = example.root / "content/policies/lzf-2020-5.md"
    amended.write_text(amended.read_text(encoding="utf-8").replace("---\n\n", "expires: 2024-12-31\n---\n\n", 1), encoding="utf-8")
    assert example.build().returncode == 0
    page = soup(example, "/policies/lzf-2020-5/")
    assert metadata(page)["有效性"] == "已失效"
    assert "有效期至2024年12月31日" in page.select_one(".status-banner").get_text()
