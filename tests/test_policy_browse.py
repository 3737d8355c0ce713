"""Browsing policy documents by 主题分类 and by 发文机关: a list per value, paginated,
newest first, with ASCII slugs that are stable, unique and readable; the home page,
the site map and each document's metadata link to them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, policy, tree_digest

from gongkai.slugs import MAX_LENGTH, assign, slug

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
BROWSE = {"主题分类": "/policies/topic/", "发文机关": "/policies/agency/"}


def soup(project, url: str) -> BeautifulSoup:
    return BeautifulSoup(project.html(url), "html.parser")


def resolve(here: str, href: str) -> str:
    return urljoin(f"https://x{here}", href).removeprefix("https://x")


def listed(project, url: str) -> list[tuple[str, str]]:
    """(document URL, date) of every entry of a list, following its pages."""
    entries: list[tuple[str, str]] = []
    while url:
        page = soup(project, url)
        entries += [(resolve(url, li.a["href"]), li.time["datetime"]) for li in page.select("ol.entries > li")]
        following = page.select_one('.pager a[rel="next"]')
        url = resolve(url, following["href"]) if following else None
    return entries


def documents(project) -> dict[str, BeautifulSoup]:
    """Every policy page of the build, by URL."""
    root = project.output / "policies"
    return {f"/policies/{d.name}/": soup(project, f"/policies/{d.name}/")
            for d in sorted(root.iterdir()) if d.is_dir() and d.name not in ("topic", "agency", "kind", "year", "normative", "page")}


def metadata_links(url: str, page: BeautifulSoup, label: str) -> dict[str, str]:
    """name -> list URL of the links in one metadata row."""
    row = next(div for div in page.select(".metadata dl > div") if div.dt.get_text(strip=True) == label)
    return {a.get_text(): resolve(url, a["href"]) for a in row.dd.find_all("a")}


def home_chips(project, heading: str) -> dict[str, tuple[str, str]]:
    """title -> (URL, count text) of one group of the home page's browse block."""
    group = soup(project, "/").find("h3", string=heading).find_parent("div")
    return {a.contents[0]: (resolve("/", a["href"]), a.select_one(".count").get_text()) for a in group.select("ul.chips a")}


def built(project, *args):
    result = project.build(*args)
    assert result.returncode == 0, result.stderr
    return project


def set_config(project, old: str, new: str) -> None:
    path = project.root / "site_config.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def config_line(project, needle: str, last: bool = False) -> int:
    lines = (project.root / "site_config.yaml").read_text(encoding="utf-8").splitlines()
    found = [i for i, line in enumerate(lines, 1) if line.rstrip() == needle]
    return found[-1 if last else 0]


def agency_doc(n: int, agency: str, topic: str = "综合政务", day: int = 1) -> str:
    return policy(f"文件{n}", n=n, d=1).replace("agency: 聊城市人民政府", f"agency: '{agency}'").replace(
        "topic: 综合政务", f"topic: {topic}").replace("2024-01-01", f"2024-02-{day:02d}")


# -- the example: every list, its documents, counts and links --------------------------------------


@pytest.mark.parametrize("label", BROWSE)
def test_every_value_of_the_example_has_a_list_of_exactly_its_documents(example, label):
    built(example)
    docs = documents(example)
    assert len(docs) == len(list((example.root / "content/policies").glob("*.md")))
    expected = defaultdict(set)  # list URL -> documents whose metadata links it
    names = {}
    for url, page in docs.items():
        links = metadata_links(url, page, label)
        assert links, f"{url}: {label} is not linked"
        for name, target in links.items():
            assert target.startswith(BROWSE[label]) and SLUG.match(target.removeprefix(BROWSE[label]).strip("/"))
            expected[target].add(url)
            assert names.setdefault(target, name) == name, "one list per name"
    heading = "按" + label
    chips = home_chips(example, heading)
    assert {url for url, _ in chips.values()} == set(expected)
    for title, (url, count) in chips.items():
        entries = listed(example, url)
        assert {u for u, _ in entries} == expected[url] and len(entries) == len(expected[url])
        assert [d for _, d in entries] == sorted((d for _, d in entries), reverse=True), "newest first"
        assert count == f"（{len(expected[url])} 件）" and title == names[url]
        page = soup(example, url)
        assert page.h1.get_text() == title


def test_the_example_s_lists_have_the_slugs_its_names_give(example):
    built(example)
    agencies = sorted(p.name for p in (example.output / "policies/agency").iterdir())
    assert agencies == ["liaochengshicaizhengju", "liaochengshirenminzhengfu", "liaochengshirenminzhengfubangongshi",
                        "liaochengshisifaju"]
    topics = {p.name for p in (example.output / "policies/topic").iterdir()}
    assert {"zonghezhengwu", "caizheng-jinrong-shenji", "guominjingjiguanli-guoyouzichanjianguan"} <= topics


def test_topics_without_documents_have_no_list(example):
    built(example)
    used = {t for page in documents(example).values() for t in metadata_links("/", page, "主题分类")}
    assert "其他" not in used and not (example.output / "policies/topic" / slug("其他")).exists()
    assert set(home_chips(example, "按主题分类")) == used


def test_a_list_s_filters_are_its_own_family_and_its_crumbs_lead_to_policies(example):
    built(example)
    for prefix, family in (("/policies/topic/", "按主题分类"), ("/policies/agency/", "按发文机关")):
        urls = [u for u, _ in home_chips(example, family).values()]
        for url in urls:
            page = soup(example, url)
            nav = page.select_one("nav.filters")
            assert nav["aria-label"] == family.removeprefix("按")
            chips = [resolve(url, a["href"]) for a in nav.select("a")]
            assert chips == urls and all(c.startswith(prefix) for c in chips)
            assert [a["href"] for a in nav.select('a[aria-current="page"]')] == ["./"]
            crumbs = [li.get_text(strip=True) for li in page.select("nav.breadcrumbs li")]
            assert crumbs == ["首页", "政策文件", page.h1.get_text()]
            assert resolve(url, page.select("nav.breadcrumbs a")[1]["href"]) == "/policies/"


def test_the_site_map_and_sitemap_xml_name_every_list(example):
    built(example)
    lists = {u for family in ("按主题分类", "按发文机关") for u, _ in home_chips(example, family).values()}
    page = soup(example, "/sitemap/")
    mapped = {resolve("/sitemap/", a["href"]) for a in page.select(".sitemap a")}
    assert lists <= mapped
    headings = [h.get_text(strip=True) for h in page.select(".sitemap h2")]
    assert "政策文件：按主题分类" in headings and "政策文件：按发文机关" in headings
    xml = (example.output / "sitemap.xml").read_text(encoding="utf-8")
    assert all(f"/xxgk{u}</loc>" in xml for u in lists)


def test_two_builds_are_byte_identical_whatever_the_hash_seed(example, tmp_path):
    digests = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = example.cli("--build-date", "2026-11-25", env=env)
        assert result.returncode == 0, result.stderr
        digests.append(tree_digest(example.output))
    assert digests[0] == digests[1]
    assert any(k.startswith("policies/agency/") for k in digests[0])


# -- pagination ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 6, 12])
def test_lists_are_paginated_at_page_size_newest_first(empty, count):
    set_config(empty, "page_size: 10", "page_size: 5")
    for n in range(1, count + 1):
        empty.write(f"policies/k{n}.md", agency_doc(n, "聊城市科学技术局", "科技、教育", day=n))
    built(empty)
    for url in ("/policies/topic/keji-jiaoyu/", "/policies/agency/liaochengshikexuejishuju/"):
        pages = -(-count // 5)
        for number in range(1, pages + 1):
            here = url if number == 1 else f"{url}page/{number}/"
            page = soup(empty, here)
            days = [int(li.time["datetime"][-2:]) for li in page.select("ol.entries > li")]
            assert days == list(range(count - (number - 1) * 5, max(count - number * 5, 0), -1))
            if pages > 1:
                assert page.select_one(".pager-status").get_text() == f"共 {count} 件，第 {number} / {pages} 页"
        assert not (empty.output / url.strip("/") / f"page/{pages + 1}").exists()
        assert (pages == 1) == (not (empty.output / url.strip("/") / "page").exists())


# -- slugs: classes of names ----------------------------------------------------------------------------

NAMES = [
    "聊城市人民政府", "聊城市人民政府办公室",
    "聊城市公益事业局", "聊城市工艺事业局",  # homophones: gongyi
    "聊城市5G产业发展办公室", "聊城市５Ｇ产业发展办公室",  # full-width letters and digits read as ASCII: the same slug
    "中共聊城市委（市委办公室）", "《聊城日报》社", "聊城市！！局", "!!!", "ΑΒΓ",
    "中华人民共和国国家发展和改革委员会聊城市住房和城乡建设局行政审批服务科室第一分部",
    "中华人民共和国国家发展和改革委员会聊城市住房和城乡建设局行政审批服务科室第二分部",
    "绿化局", "女子学校", "〇号办公室", "𠀀局",
]


def test_slugs_are_ascii_short_and_unique_for_every_class_of_name():
    slugs = assign(NAMES)
    assert set(slugs) == set(NAMES)
    assert len(set(slugs.values())) == len(NAMES)
    for name, value in slugs.items():
        assert SLUG.match(value) and len(value) <= MAX_LENGTH + 3, (name, value)


@pytest.mark.parametrize(("name", "expected"), [
    ("聊城市人民政府办公室", "liaochengshirenminzhengfubangongshi"),
    ("国民经济管理、国有资产监管", "guominjingjiguanli-guoyouzichanjianguan"),
    ("聊城市5G产业发展办公室", "liaochengshi-5g-chanyefazhanbangongshi"),
    ("聊城市５Ｇ产业发展办公室", "liaochengshi-5g-chanyefazhanbangongshi"),
    ("中共聊城市委（市委办公室）", "zhonggongliaochengshiwei-shiweibangongshi"),
    ("《聊城日报》社", "liaochengribao-she"),
    ("绿化局", "lvhuaju"),
    ("中国人民银行聊城市分行", "zhongguorenminyinhangliaochengshifenhang"),  # 行 read by phrase
])
def test_slugs_read_as_the_name_does(name, expected):
    assert slug(name) == expected


def test_homophones_are_numbered_in_the_order_of_their_names_whatever_order_they_come_in():
    names = ["聊城市工艺事业局", "聊城市公益事业局", "聊城市公益事业局"]
    first = assign(names)
    assert first == assign(reversed(names))
    ordered = sorted({*names})
    assert [first[n] for n in ordered] == ["liaochengshigongyishiyeju", "liaochengshigongyishiyeju-2"]


def test_a_numbered_slug_never_takes_another_name_s_own():
    # "公益 2" is gongyi-2 of its own; the second homophone of gongyi must not take it.
    slugs = assign(["公益", "工艺", "公益 2"])
    assert slugs["公益 2"] == "gongyi-2" and sorted(slugs.values()) == ["gongyi", "gongyi-2", "gongyi-3"]
    assert assign(["公益", "工艺"], {"其他": "gongyi"}) == {"其他": "gongyi", "公益": "gongyi-2", "工艺": "gongyi-3"}


def test_long_names_that_begin_alike_are_cut_and_stay_distinct():
    first, second = (slug(n) for n in NAMES if len(n) > 30)
    (head, digest), (other_head, other_digest) = first.rsplit("-", 1), second.rsplit("-", 1)
    assert head == other_head and digest != other_digest
    assert all(len(v) <= MAX_LENGTH and re.fullmatch(r"[0-9a-f]{6}", v[-6:]) for v in (first, second))
    assert head == "zhonghuarenmingongheguoguojiafazhanhegaigeweiyuanhuiliao", "cut after a syllable, not inside one"


def test_names_with_nothing_to_read_get_a_hash():
    assert re.fullmatch(r"[0-9a-f]{6}", slug("!!!")) and slug("!!!") != slug("ΑΒΓ")


def test_slugs_are_the_same_in_another_process_with_another_hash_seed():
    code = "import json,sys; from gongkai.slugs import assign; print(json.dumps(assign(json.loads(sys.argv[1])), sort_keys=True))"
    runs = {subprocess.run([sys.executable, "-c", code, json.dumps(NAMES)], capture_output=True, text=True, check=True,
                           cwd=REPO, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "7", "12345")}
    assert len(runs) == 1 and json.loads(runs.pop()) == assign(NAMES)


def test_a_build_gives_every_class_of_agency_its_own_ascii_list(empty):
    for n, name in enumerate(NAMES, 1):
        empty.write(f"policies/a{n}.md", agency_doc(n, name, day=n))
    built(empty)
    slugs = assign(NAMES)
    for n, name in enumerate(NAMES, 1):
        url = f"/policies/agency/{slugs[name]}/"
        assert soup(empty, url).h1.get_text() == name
        assert [u for u, _ in listed(empty, url)] == [f"/policies/a{n}/"]
        assert metadata_links(f"/policies/a{n}/", soup(empty, f"/policies/a{n}/"), "发文机关") == {name: url}


# -- joint documents (联合发文) -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "agencies"), [
    ("聊城市财政局、聊城市司法局", ["聊城市财政局", "聊城市司法局"]),
    ("聊城市财政局，聊城市司法局，聊城市人民政府", ["聊城市财政局", "聊城市司法局", "聊城市人民政府"]),
    ("聊城市财政局 聊城市司法局", ["聊城市财政局", "聊城市司法局"]),
    ("聊城市财政局　聊城市司法局", ["聊城市财政局", "聊城市司法局"]),  # full-width space
    ("聊城市财政局、 聊城市司法局、", ["聊城市财政局", "聊城市司法局"]),
    ("聊城市人民政府（市长办公会议、常务会议）", ["聊城市人民政府（市长办公会议、常务会议）"]),
    ("聊城市人民政府(市长办公会议, 常务会议)、聊城市司法局", ["聊城市人民政府(市长办公会议, 常务会议)", "聊城市司法局"]),
    ("聊城市财政局、聊城市财政局", ["聊城市财政局"]),
])
def test_a_joint_document_is_listed_under_each_of_its_agencies(empty, value, agencies):
    empty.write("policies/joint.md", agency_doc(1, value))
    empty.write("policies/other.md", agency_doc(2, "聊城市司法局", day=2))
    built(empty)
    page = soup(empty, "/policies/joint/")
    links = metadata_links("/policies/joint/", page, "发文机关")
    assert list(links) == agencies
    row = next(div for div in page.select(".metadata dl > div") if div.dt.get_text() == "发文机关")
    assert row.dd.get_text() == value, "the value is printed as written"
    for url in links.values():
        assert "/policies/joint/" in [u for u, _ in listed(empty, url)]
    chips = home_chips(empty, "按发文机关")
    assert set(chips) == {*agencies, "聊城市司法局"}
    assert chips["聊城市司法局"][1] == ("（2 件）" if "聊城市司法局" in agencies else "（1 件）")


# -- pinned topic slugs --------------------------------------------------------------------------------


def test_a_pinned_topic_slug_is_its_url_and_the_others_make_room(example):
    set_config(example, "  - 综合政务\n", "  - {name: 综合政务, slug: general}\n")
    set_config(example, "  - 其他\n", "  - {name: 其他, slug: caizheng-jinrong-shenji}\n")
    built(example)
    topics = home_chips(example, "按主题分类")
    assert topics["综合政务"][0] == "/policies/topic/general/"
    assert topics["财政、金融、审计"][0] == "/policies/topic/caizheng-jinrong-shenji-2/"
    assert not (example.output / "policies/topic/zonghezhengwu").exists()
    seed = soup(example, "/policies/lzbf-2019-5/")
    assert metadata_links("/policies/lzbf-2019-5/", seed, "主题分类") == {"综合政务": "/policies/topic/general/"}


@pytest.mark.parametrize(("item", "field", "message"), [
    ("{name: 综合政务, slug: 综合}", "topics.0.slug", "“综合”应只含小写英文字母、数字和连字符"),
    ("{name: 综合政务, slug: General}", "topics.0.slug", "“General”应只含小写英文字母、数字和连字符"),
    ("{name: 综合政务, slug: -zh}", "topics.0.slug", "“-zh”应只含小写英文字母、数字和连字符"),
    ("{name: 综合政务, slug: '" + "a" * 65 + "'}", "topics.0.slug", "最多 64 个字符"),
    ("{name: 综合政务}", "topics.0.slug", "缺少必填字段 slug（网址片段）"),
    ("{slug: zhengwu}", "topics.0.name", "缺少必填字段 name（名称）"),
    ("{name: 综合政务, slug: zh, url: x}", "topics.0.url", "未知字段"),
    ("[综合政务]", "topics", "第 1 项应为一行文字（主题分类名称）或 {name: 名称, slug: 网址片段}"),
    ('""', "topics", "第 1 项应为一行文字"),
    ("其他", "topics", "第 16 项：主题分类“其他”重复"),
])
def test_a_bad_topic_item_is_an_error_with_its_line(example, item, field, message):
    set_config(example, "  - 综合政务\n", f"  - {item}\n")
    result = example.build()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = config_line(example, f"  - {item}", last="重复" in message)
    assert re.search(rf"^  site_config\.yaml:{line}: 字段 {re.escape(field)}：.*{re.escape(message)}", result.stderr, re.M), \
        result.stderr


def test_two_pinned_topics_with_one_slug_are_an_error_on_the_second(example):
    set_config(example, "  - 综合政务\n", "  - {name: 综合政务, slug: zh}\n")
    set_config(example, "  - 其他\n", "  - {name: 其他, slug: zh}\n")
    result = example.build()
    line = config_line(example, "  - {name: 其他, slug: zh}")
    assert result.returncode == 1
    assert f"site_config.yaml:{line}: 字段 topics：第 16 项：网址片段“zh”重复" in result.stderr, result.stderr


def test_topics_that_are_not_a_list_are_an_error(empty):
    text = (empty.root / "site_config.yaml").read_text(encoding="utf-8")
    start = text.index("topics:\n")
    end = text.index("\n\n", start)
    (empty.root / "site_config.yaml").write_text(text[:start] + "topics: 综合政务" + text[end:], encoding="utf-8")
    result = empty.build()
    assert result.returncode == 1 and "字段 topics：应为列表" in result.stderr, result.stderr


# -- ids the lists use ---------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ["topic", "agency"])
@pytest.mark.parametrize("how", ["file name", "id line"])
def test_a_policy_may_not_take_a_list_s_id(empty, doc_id, how):
    if how == "file name":
        path = empty.write(f"policies/{doc_id}.md", policy())
    else:
        path = empty.write("policies/x.md", policy(extra=f"id: {doc_id}"))
    result = empty.build()
    assert result.returncode == 1
    rel = Path(path).relative_to(empty.root).as_posix()
    assert re.search(rf"^  {re.escape(rel)}:\d+: .*“{doc_id}”与网站自身的网址 /policies/{doc_id}/ 冲突", result.stderr, re.M), \
        result.stderr
