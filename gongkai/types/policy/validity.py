"""A policy's standing as of the build date: what its own file and the files that repeal
or amend it say, checked for contradictions and loops."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from ...diagnostics import Problems
from .record import Policy, Status


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


def in_effect(standing: Standing) -> bool:
    """Still law, wholly or as amended: what search ranks above repealed and expired ones."""
    return standing.status in (Status.VALID, Status.AMENDED)


@dataclass(frozen=True)
class Declared:
    """A policy's status as its own file and the files that repeal it say, before the
    build date is applied."""

    status: Status
    since: date | None
    successor: str | None  # the id of the document that replaces it


def check_unique(policies: tuple[Policy, ...], field_name: str, label: str, problems: Problems) -> None:
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


def declared(policies: tuple[Policy, ...], by_id: dict, problems: Problems) -> dict[str, Declared]:
    """Merge `repeals` written in the new document into the old one's status, and report
    where the two files disagree."""
    result = {p.id: Declared(p.status, p.status_date, p.superseded_by) for p in policies}
    repealed_by: dict[str, Policy] = {}
    for new in sorted(policies, key=lambda p: p.origin.rel):
        for index, old_id in enumerate(new.repeals):
            old = by_id.get(old_id)
            if not isinstance(old, Policy) or old is new:
                continue  # reported by the reference check
            line = new.origin.lines.get(f"repeals.{index}") or new.origin.line("repeals")
            conflict = _repeal_conflict(new, old, repealed_by.get(old_id))
            if conflict:
                problems.add(new.origin.rel, line, "repeals", conflict)
                continue
            repealed_by[old_id] = new
            if old.status is Status.VALID:
                result[old_id] = Declared(Status.REPEALED, new.published, new.id)
            else:  # the old file says 已废止 itself: its own date stands
                result[old_id] = replace(result[old_id], successor=old.superseded_by or new.id)
    return result


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


def check_cycles(policies: tuple[Policy, ...], by_id: dict, status: dict[str, Declared], problems: Problems) -> None:
    """Report each loop in the replaced-by / amended-by graph once, at its first file."""
    edges: dict[str, list[tuple[str, str]]] = {}
    for policy in policies:
        successor = status[policy.id].successor
        targets = [(successor, "superseded_by")] if successor else []
        targets += [(a, "amended_by") for a in policy.amended_by]
        edges[policy.id] = [(t, f) for t, f in targets if t != policy.id and isinstance(by_id.get(t), Policy)]
    reported: set[str] = set()
    for cycle in _cycles(edges):
        if reported.intersection(cycle):
            continue
        reported.update(cycle)
        start = cycle.index(min(cycle))
        loop = cycle[start:] + cycle[:start]
        first = by_id[loop[0]]
        field_name = next(f for t, f in edges[loop[0]] if t == (loop + loop)[1])
        if field_name == "superseded_by" and not first.superseded_by:
            field_name = "repeals"  # the edge came from the other file's repeals
            first = next(p for p in policies if loop[0] in p.repeals)
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


def standings(policies: tuple[Policy, ...], by_id: dict, status: dict[str, Declared], build_date: date) -> dict[str, Standing]:
    first = {p.id: _standing(p, status[p.id], by_id, build_date) for p in policies}
    return {p.id: _with_current(first[p.id], first) for p in policies}


def _standing(policy: Policy, declared_status: Declared, by_id: dict, build_date: date) -> Standing:
    successor = by_id.get(declared_status.successor)
    amenders = tuple(by_id[a] for a in policy.amended_by if isinstance(by_id.get(a), Policy))
    status, since, pending = declared_status.status, declared_status.since, None
    if since and since > build_date:  # decided, not yet in effect: still in force
        status, since, pending = Status.VALID, None, (declared_status.status, declared_status.since)
    if status in (Status.VALID, Status.AMENDED) and policy.expires and policy.expires < build_date:
        status, since = Status.EXPIRED, policy.expires + timedelta(days=1)
    return Standing(status, since, successor if isinstance(successor, Policy) else None, amenders,
                    *(pending or (None, None)))


def _with_current(standing: Standing, first: dict[str, Standing]) -> Standing:
    """When the successor has itself been replaced, find the document now in force."""
    current, seen = standing.successor, set()
    while current and not first[current.id].in_force and current.id not in seen:
        seen.add(current.id)
        current = first[current.id].successor
    if current is None or current is standing.successor:
        return standing
    return replace(standing, current=current)
