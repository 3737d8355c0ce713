"""The catalog's fields, records and settings: what content/catalog.yaml (and any file in
content/catalog/) and site_config.yaml say, nothing derived.

A catalog file holds a tree of categories (公开事项, at most three levels). Fields an
office writes once for many categories (owner, rule, channel …) are inherited from the
parent category, then from the file's `defaults:`, so each category states only what is
its own; every leaf ends up with an owner and a rule or the file is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...fields import ID_RE, Fields, id_problem, shown
from ...records import Origin
from ...schema import origin
from ...source import SourceFile
from ...workdays import CONFIG_LABELS as CALENDAR_LABELS
from ...workdays import Calendar, read_calendar
from . import rule as rules
from .rule import Rule

MAX_DEPTH = 3  # 一级、二级、三级公开事项
RESERVED = frozenset({"table", "ledger", "page"})  # /catalog/table/, /catalog/ledger/, /catalog/page/N/
INSPECTIONS = {"动态要闻": 14, "通知公告政策文件": 183}  # 检查指标: stale after this many days (2 weeks, 6 months)

FILE_FIELDS = {"categories": "公开事项", "defaults": "默认值"}
INHERITED = {
    "basis": "公开依据", "owner": "责任单位", "publisher": "公开主体", "rule": "公开时限",
    "channel": "公开渠道和载体", "audience": "公开对象", "manner": "公开方式",
}
FIELDS = {"code": "代码", "name": "名称", "content": "公开内容（要素）", **INHERITED,
          "inspection": "检查指标类别", "children": "下级事项"}
DEFAULTS = {"channel": "政府网站", "audience": "全社会", "manner": "主动公开"}


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    content: str | None  # 公开内容（要素）, the category's description
    basis: str | None
    owner: str | None  # 责任单位
    publisher: str | None  # 公开主体
    rule: Rule | None
    channel: str
    audience: str
    manner: str
    inspection: str | None
    children: tuple[Category, ...]
    rel: str  # the file and line it is written at, for messages
    line: int
    parent: str | None = None  # code of the parent category

    @property
    def leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class CatalogFile:
    """One catalog file: its top-level categories in order."""

    id: str
    origin: Origin
    body: str
    categories: tuple[Category, ...]
    complete: bool = True  # False: the file has errors (reported); kept so references to it are not reported again
    codes: frozenset[str] = frozenset()  # every code written in it, read leniently


COLUMN_TITLES = {
    "guide": "政府信息公开指南", "rules": "政府信息公开制度", "content": "法定主动公开内容",
    "reports": "政府信息公开年报", "apply": "依申请公开",
}
SETTINGS_FIELDS = {"defaults": "默认目录分类", "due_soon": "即将到期提醒（工作日）", "ledger_page": "台账页面",
                   "columns": "政府信息公开栏目"}
LEDGER_PAGES = ("hidden", "linked", "none")
CONFIG_LABELS = {"catalog": "信息公开目录", **CALENDAR_LABELS}


@dataclass(frozen=True)
class Settings:
    defaults: dict[str, tuple[str | None, int]]  # content type name -> (category code, config line)
    due_soon: int
    ledger_page: str
    columns: dict[str, tuple[str, int]]  # national column key -> ("doc:ID" or "catalog:CODE", config line)
    calendar: Calendar
    rel: str  # site_config.yaml, for messages about the codes named here


def read_settings(root: Fields) -> Settings:
    calendar = read_calendar(root)
    block = root.data.get("catalog")
    if block is None:
        return Settings({}, 5, "hidden", {}, calendar, root.rel)
    f = root.mapping("catalog", SETTINGS_FIELDS)
    defaults = {}
    value = f.raw("defaults", False)
    if isinstance(value, dict):
        d = Fields(f.doc, f.rel, f.problems, {str(k): "内容类型" for k in value}, value, f.name("defaults."), f.line("defaults"))
        defaults = {key: (_code(d, key), d.line(key)) for key in value}  # None: a code already reported
    elif value is not None:
        f.error("defaults", "应为映射：内容类型: 目录分类代码，例如 interpretation: zcjd")
    due_soon = f.integer("due_soon", 5, minimum=0)
    ledger_page = f.choice("ledger_page", LEDGER_PAGES, default="hidden")
    columns = _columns(f)
    return Settings(defaults, due_soon if due_soon is not None else 5, ledger_page, columns, calendar, root.rel)


def _columns(f: Fields) -> dict[str, tuple[str, int]]:
    value = f.raw("columns", False)
    if value is None:
        return {}
    if not isinstance(value, dict):
        f.error("columns", "应为映射，例如 guide: doc:guide")
        return {}
    labels = {k: v for k, v in COLUMN_TITLES.items() if k != "content"}
    c = Fields(f.doc, f.rel, f.problems, labels, value, f.name("columns."), f.line("columns"))
    targets = {}
    for key in labels:
        target = c.text(key)
        if target is None:
            continue
        if not (target.startswith(("doc:", "catalog:")) and ID_RE.match(target.split(":", 1)[1])):
            c.error(key, f"“{shown(target)}”应写成 doc:页面标识（如 doc:guide）或 catalog:目录分类代码（如 catalog:ndbg）")
            continue
        targets[key] = (target, c.line(key))
    return targets


def _code(f: Fields, key: str) -> str | None:
    value = f.text(key, True)
    if value is not None and (why := id_problem(value)):
        f.error(key, f"目录分类代码“{shown(value)}”无效：{why.replace('标识', '代码').replace('lzbf-2019-5', 'zcwj-gfxwj')}")
        return None
    return value


# -- catalog files -----------------------------------------------------------------------------


def file_id(path: Path) -> str:
    """content/catalog.yaml is "catalog"; content/catalog/NAME.yaml is "catalog-NAME"."""
    return "catalog" if path.parent.name == "content" else f"catalog-{path.stem}"


def validate(source: SourceFile, site_owner: str, problems) -> CatalogFile | None:
    if not isinstance(source.front.data, dict):
        problems.add(source.rel, 1, "", "目录文件应为映射，包含 categories（公开事项列表）")
        return None
    f = Fields(source.front, source.rel, problems, FILE_FIELDS)
    inherited = {**DEFAULTS, "publisher": site_owner}
    if isinstance(source.front.data.get("defaults"), dict):
        d = f.mapping("defaults", INHERITED)
        inherited.update({key: value for key in INHERITED if (value := d.text(key))})
        if "rule" in inherited:
            inherited["rule"] = _rule(d, inherited["rule"])
        ok = d.ok
    else:
        if f.raw("defaults", False) is not None:
            f.error("defaults", "应为映射（字段: 值），写各公开事项共用的 owner、rule、channel 等")
        ok = True
    before = len(problems)
    categories = tuple(c for item in f.mappings("categories", FIELDS, required=True)
                       if (c := _category(item, inherited, 1, None)) is not None)
    complete = f.ok and ok and len(problems) == before  # nested fields report on their own
    return CatalogFile(file_id(source.path), origin(source), "", categories if complete else (), complete,
                       frozenset(_codes(source.front.data)))


def _codes(data) -> set[str]:
    """Every code: value anywhere in the file, whatever else is wrong there."""
    found, stack = set(), [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("code"), str):
                found.add(value["code"].strip())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _category(f: Fields, inherited: dict, depth: int, parent: str | None) -> Category | None:
    code, name = _code(f, "code"), f.text("name", True)
    if code in RESERVED:
        f.error("code", f"代码“{code}”留给网站自身的页面（/catalog/{code}/），请换一个")
    own = {key: value for key in INHERITED if (value := f.text(key))}
    if "rule" in own:
        own["rule"] = _rule(f, own["rule"])
    values = {**inherited, **own}
    inspection = f.choice("inspection", tuple(INSPECTIONS))
    children_data = f.raw("children", False)
    children: tuple[Category, ...] = ()
    if children_data is not None and depth >= MAX_DEPTH:
        f.error("children", f"公开事项最多 {MAX_DEPTH} 级（一级、二级、三级），请把第 4 级并入上一级")
    elif children_data is not None:
        children = tuple(c for item in f.mappings("children", FIELDS)
                         if (c := _category(item, values, depth + 1, code)) is not None)
    if not children and children_data is None:
        for key in ("owner", "rule"):
            if not values.get(key):
                f.error(key, f"缺少{INHERITED[key]}（{key}）：请在本事项、上级事项或文件的 defaults 中填写")
    if not (code and name):
        return None
    return Category(
        code=code, name=name, content=f.text("content"), basis=values.get("basis"), owner=values.get("owner"),
        publisher=values.get("publisher"), rule=values.get("rule") or None, channel=values["channel"],
        audience=values["audience"], manner=values["manner"], inspection=inspection, children=children,
        rel=f.rel, line=f.line("code"), parent=parent,
    )


_UNREADABLE = Rule("")  # a rule already reported: no "missing rule" for the leaves below it


def _rule(f: Fields, text: str) -> Rule:
    parsed = rules.parse(text)
    if isinstance(parsed, str):
        f.error("rule", f"公开时限无法识别：{parsed}")
        return _UNREADABLE
    return parsed


def walk(categories: tuple[Category, ...], depth: int = 1):
    """(category, depth) in tree order."""
    for category in categories:
        yield category, depth
        yield from walk(category.children, depth + 1)


def codes_on_disk(project: Path) -> set[str]:
    """The codes the project's catalog files already use, read leniently."""
    from ...diagnostics import Problems
    from ...source import read_data

    content = project / "content"
    paths = [content / "catalog.yaml", *sorted((content / "catalog").glob("*.yaml"))]
    found = set()
    for path in paths:
        doc = read_data(path, project, Problems()) if path.is_file() else None
        found |= _codes(doc.data) if doc else set()
    return found


def scaffold(code: str) -> str:
    return (
        "# 信息公开目录的一部分：本文件夹中的文件在 content/catalog.yaml 之后读入，格式见 README“信息公开目录”。\n"
        "categories:\n"
        f"  - code: {code}        # 代码（必填）：小写英文字母、数字和连字符，用在网址 /catalog/{code}/ 中\n"
        "    name:               # 名称（必填），如 重大建设项目\n"
        "    content:            # 公开内容（要素）\n"
        "    basis:              # 公开依据，如 《中华人民共和国政府信息公开条例》第二十条\n"
        "    owner:              # 责任单位（必填，可由上级事项或 defaults 继承）\n"
        "    rule: 20个工作日     # 公开时限（必填）：长期、20个工作日、每月、每季度、每年3月31日前……\n"
        "    # children:         # 下级事项（最多三级），每项的写法同上\n"
    )
