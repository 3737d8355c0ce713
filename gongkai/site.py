"""Stage 3: link. Records become one site model before anything renders: every id has
a URL, every cross reference is resolved, back links and list pages exist."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from . import urls
from .diagnostics import Problems
from .records import DataTable, Interpretation, Page, Policy, Record, Seen, SiteConfig, Status


@dataclass(frozen=True)
class Standing:
    """A policy's validity as of the build date, with the documents that explain it."""

    status: Status
    since: date | None
    successor: Policy | None  # superseded_by
    amenders: tuple[Policy, ...]  # amended_by
    pending: Status | None = None  # a change decided but not yet in effect on the build date
    pending_date: date | None = None
    current: Policy | None = None  # the in-force end of a chain of successors, if not the successor

    @property
    def in_force(self) -> bool:
        return self.status is Status.VALID


@dataclass(frozen=True)
class Listing:
    """A paginated list: all documents, one 文种, one year, 规范性文件, interpretations."""

    key: str
    title: str
    url: str
    items: tuple[Policy | Interpretation, ...]


@dataclass
class Site:
    config: SiteConfig
    build_date: date
    policies: tuple[Policy, ...]  # newest first
    interpretations: tuple[Interpretation, ...]  # newest first
    pages: tuple[Page, ...]  # by nav order, then id
    tables: dict[str, DataTable]
    by_id: dict[str, Record] = field(default_factory=dict)
    by_source: dict[str, str] = field(default_factory=dict)  # source rel path -> id
    interpretations_of: dict[str, tuple[Interpretation, ...]] = field(default_factory=dict)
    replaces: dict[str, tuple[Policy, ...]] = field(default_factory=dict)  # successor -> predecessors
    amends: dict[str, tuple[Policy, ...]] = field(default_factory=dict)  # amender -> amended
    standing: dict[str, Standing] = field(default_factory=dict)
    listings: tuple[Listing, ...] = ()

    def url(self, doc_id: str) -> str:
        record = self.by_id[doc_id]
        if isinstance(record, Policy):
            return urls.policy(doc_id)
        if isinstance(record, Interpretation):
            return urls.interpretation(doc_id)
        return urls.page(doc_id)

    def listing(self, key: str) -> Listing | None:
        return next((item for item in self.listings if item.key == key), None)


def newest_first(records):
    return tuple(sorted(records, key=lambda r: (r.published, r.id), reverse=True))


def link(config: SiteConfig, records: list[Record], tables: dict[str, DataTable],
         known_ids: dict[str, Seen], build_date: date, problems: Problems) -> Site:
    """Build the site model. known_ids maps every id found (even in files that failed
    validation) to its file, so a reference to a broken file is not also 'missing'."""
    records = [r for r in records if _url_free(r, problems)]
    policies = newest_first(r for r in records if isinstance(r, Policy))
    interpretations = newest_first(r for r in records if isinstance(r, Interpretation))
    pages = tuple(sorted((r for r in records if isinstance(r, Page)), key=lambda p: (p.nav is None, p.nav or 0, p.id)))
    site = Site(config, build_date, policies, interpretations, pages, tables)
    site.by_id = {r.id: r for r in records}
    site.by_source = {r.origin.rel: r.id for r in records}
    refs = _References(site, known_ids, problems)
    for policy in policies:
        refs.policy(policy, "superseded_by", [policy.superseded_by] if policy.superseded_by else [])
        refs.policy(policy, "amended_by", policy.amended_by)
        refs.policy(policy, "repeals", policy.repeals)
    for item in interpretations:
        refs.policy(item, "interprets", item.interprets)
    declared = _declared(site, problems)
    _check_cycles(site, declared, problems)
    for field_name, label in (("index_number", "索引号"), ("doc_number", "发文字号")):
        _check_unique(policies, field_name, label, problems)
    site.interpretations_of = _group(
        (doc_id, item) for item in interpretations for doc_id in item.interprets if refs.is_policy(doc_id))
    site.replaces = _group((d.successor, site.by_id[doc_id]) for doc_id, d in declared.items() if refs.is_policy(d.successor))
    site.amends = _group((a, p) for p in policies for a in p.amended_by if refs.is_policy(a))
    site.standing = {p.id: _standing(p, declared[p.id], site) for p in policies}
    site.standing = {p.id: _with_current(site.standing[p.id], site) for p in policies}
    site.listings = _listings(site)
    return site


def _group(pairs) -> dict[str, tuple]:
    grouped = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return {key: newest_first(values) for key, values in grouped.items()}


class _References:
    """Checks that ids named in front matter are existing policy documents."""

    def __init__(self, site: Site, known_ids: dict[str, str], problems: Problems):
        self.site, self.known_ids, self.problems = site, known_ids, problems

    def is_policy(self, doc_id: str | None) -> bool:
        return isinstance(self.site.by_id.get(doc_id), Policy)

    def policy(self, record: Record, field_name: str, ids) -> None:
        for index, doc_id in enumerate(ids):
            line = record.origin.lines.get(f"{field_name}.{index}") or record.origin.line(field_name)
            where = (record.origin.rel, line, field_name)
            if doc_id == record.id:
                self.problems.add(*where, "文件不能引用自己")
            elif doc_id not in self.known_ids:
                self.problems.add(*where, f"找不到标识为“{doc_id}”的文件（这里应填政策文件的标识）{_suggest(doc_id, self.known_ids, 'policies')}")
            elif self.known_ids[doc_id].section != "policies":
                self.problems.add(*where, f"“{doc_id}”不是政策文件（它在 {self.known_ids[doc_id].rel}），这里应填政策文件的标识")


def _suggest(doc_id: str, known_ids: dict[str, Seen], section: str) -> str:
    """A near miss among the ids of the right content type only."""
    candidates = [key for key, seen in known_ids.items() if seen.section == section]
    close = difflib.get_close_matches(doc_id, candidates, n=1, cutoff=0.6)
    return f"；是否想写“{close[0]}”？" if close else ""


def _url_free(record: Record, problems: Problems) -> bool:
    """An id must not land on a URL the site uses itself (/policies/normative/, ...)."""
    section = {Policy: "policies", Interpretation: "interpretations", Page: "pages"}[type(record)]
    if record.id not in urls.RESERVED[section]:
        return True
    url = urls.page(record.id) if section == "pages" else f"/{section}/{record.id}/"
    problems.add(record.origin.rel, record.origin.line("id"), "id", f"标识“{record.id}”与网站自身的网址 {url} 冲突，请换一个标识")
    return False


def _check_unique(policies: tuple[Policy, ...], field_name: str, label: str, problems: Problems) -> None:
    """索引号 and 发文字号 each identify one document; a repeat is a copy-paste slip."""
    first: dict[str, Policy] = {}
    for policy in sorted(policies, key=lambda p: p.origin.rel):
        value = getattr(policy, field_name)
        if value is None:
            continue
        if value in first:
            problems.add(policy.origin.rel, policy.origin.line(field_name), field_name,
                         f"{label}“{value}”与 {first[value].origin.rel} 重复；每份文件的{label}应唯一")
        else:
            first[value] = policy


@dataclass(frozen=True)
class Declared:
    """A policy's status as its own file and the files that repeal it say, before the
    build date is applied."""

    status: Status
    since: date | None
    successor: str | None  # the id of the document that replaces it


def _declared(site: Site, problems: Problems) -> dict[str, Declared]:
    """Merge `repeals` written in the new document into the old one's status, and report
    where the two files disagree."""
    declared = {p.id: Declared(p.status, p.status_date, p.superseded_by) for p in site.policies}
    repealed_by: dict[str, Policy] = {}
    for new in sorted(site.policies, key=lambda p: p.origin.rel):
        for index, old_id in enumerate(new.repeals):
            old = site.by_id.get(old_id)
            if not isinstance(old, Policy) or old is new:
                continue  # reported by the reference check
            line = new.origin.lines.get(f"repeals.{index}") or new.origin.line("repeals")
            conflict = _repeal_conflict(new, old, repealed_by.get(old_id))
            if conflict:
                problems.add(new.origin.rel, line, "repeals", conflict)
                continue
            repealed_by[old_id] = new
            if old.status is Status.VALID:
                declared[old_id] = Declared(Status.REPEALED, new.published, new.id)
            else:  # the old file says 已废止 itself: its own date stands
                declared[old_id] = replace(declared[old_id], successor=old.superseded_by or new.id)
    return declared


def _repeal_conflict(new: Policy, old: Policy, earlier: Policy | None) -> str | None:
    where = f"{old.origin.rel} 第 {old.origin.line('status')} 行"
    if earlier is not None:
        return f"“{old.id}”已由 {earlier.origin.rel} 废止；一份文件只能被一份文件废止"
    if old.superseded_by and old.superseded_by != new.id:
        return (f"“{old.id}”自己写明被“{old.superseded_by}”替代（{old.origin.rel} 第 "
                f"{old.origin.line('superseded_by')} 行），与这里不一致；请删去其中一处")
    if old.status in (Status.AMENDED, Status.EXPIRED):
        return f"“{old.id}”的有效性写的是“{old.status.value}”（{where}），与被本文件废止矛盾；请改为 已废止 或删去该行"
    if old.status is Status.REPEALED and old.status_date and new.published and old.status_date < new.written:
        return f"“{old.id}”写明已于 {old.status_date} 废止（{where}），早于本文件的成文日期 {new.written}，请核对"
    return None


# The edges of "is replaced or amended by": each must lead to a later document, so a
# loop means a slip in one of the files.
_EDGE_FIELDS = ("superseded_by", "amended_by")


def _check_cycles(site: Site, declared: dict[str, Declared], problems: Problems) -> None:
    """Report each loop in the replaced-by / amended-by graph once, at its first file."""
    edges: dict[str, list[tuple[str, str]]] = {}
    for policy in site.policies:
        successor = declared[policy.id].successor
        targets = [(successor, "superseded_by")] if successor else []
        targets += [(a, "amended_by") for a in policy.amended_by]
        edges[policy.id] = [(t, f) for t, f in targets if t != policy.id and isinstance(site.by_id.get(t), Policy)]
    reported: set[str] = set()
    for cycle in _cycles(edges):
        if reported.intersection(cycle):
            continue
        reported.update(cycle)
        start = cycle.index(min(cycle))
        loop = cycle[start:] + cycle[:start]
        first = site.by_id[loop[0]]
        field_name = next(f for t, f in edges[loop[0]] if t == (loop + loop)[1])
        if field_name == "superseded_by" and not first.superseded_by:
            field_name = "repeals"  # the edge came from the other file's repeals
            first = next(p for p in site.policies if loop[0] in p.repeals)
        noun = "替代关系" if field_name != "amended_by" else "修订关系"
        problems.add(first.origin.rel, first.origin.line(field_name), field_name,
                     f"{noun}形成循环：{' → '.join([*loop, loop[0]])}；请检查这些文件的 {'、'.join(_EDGE_FIELDS)} 和 repeals")


def _cycles(edges: dict[str, list[tuple[str, str]]]):
    """Every simple cycle found by an iterative depth-first walk (one per back edge)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(edges):
        if root in state:
            continue
        path, stack = [root], [iter(sorted(edges[root]))]
        state[root] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            target = step[0]
            if state.get(target) == 1:
                yield path[path.index(target):]
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(sorted(edges.get(target, ()))))


def _standing(policy: Policy, declared: Declared, site: Site) -> Standing:
    successor = site.by_id.get(declared.successor)
    amenders = tuple(site.by_id[a] for a in policy.amended_by if isinstance(site.by_id.get(a), Policy))
    status, since, pending = declared.status, declared.since, None
    if since and since > site.build_date:  # decided, not yet in effect: still in force
        status, since, pending = Status.VALID, None, (declared.status, declared.since)
    if status in (Status.VALID, Status.AMENDED) and policy.expires and policy.expires < site.build_date:
        status, since = Status.EXPIRED, policy.expires + timedelta(days=1)
    return Standing(status, since, successor if isinstance(successor, Policy) else None, amenders,
                    *(pending or (None, None)))


def _with_current(standing: Standing, site: Site) -> Standing:
    """When the successor has itself been replaced, find the document now in force."""
    current, seen = standing.successor, set()
    while current and not site.standing[current.id].in_force and current.id not in seen:
        seen.add(current.id)
        current = site.standing[current.id].successor
    if current is None or current is standing.successor:
        return standing
    return replace(standing, current=current)


def _listings(site: Site) -> tuple[Listing, ...]:
    listings = [Listing("policies", "全部文件", urls.POLICIES, site.policies)]
    normative = tuple(p for p in site.policies if p.normative)
    if normative:
        listings.append(Listing("normative", "规范性文件", urls.NORMATIVE, normative))
    for kind in site.config.kinds:
        items = tuple(p for p in site.policies if p.kind == kind)
        if items:
            listings.append(Listing(f"kind/{kind.slug}", kind.name, urls.kind(kind.slug), items))
    for year in sorted({p.published.year for p in site.policies}, reverse=True):
        items = tuple(p for p in site.policies if p.published.year == year)
        listings.append(Listing(f"year/{year}", f"{year}年", urls.year(year), items))
    listings.append(Listing("interpretations", "政策解读", urls.INTERPRETATIONS, site.interpretations))
    return tuple(listings)
