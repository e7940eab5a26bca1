"""The restoration plan, computed without a database: read an inventory, check it, order it.

Waves follow care criticality first and dependencies second. A server has no care priority
of its own: it inherits the most urgent priority among the items that need it. Any item
needed by a more urgent one is pulled forward to that priority (and reported, since the
inventory says otherwise). Within one priority, an item comes one wave after the last of
the items it needs at that same priority.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass, field

REQUIRED_COLUMNS = ("kind", "id", "name", "priority", "depends_on")
KINDS = ("server", "application", "account")
PLANNED_KINDS = ("server", "application")
PRIORITY_LABELS = {
    0: "infrastructure",
    1: "soins vitaux",
    2: "important",
    3: "différable",
    4: "en dernier",
}


@dataclass(frozen=True)
class Row:
    line: int
    kind: str
    ident: str
    name: str
    priority: int
    care_processes: str
    depends_on: tuple[str, ...]
    account_type: str = ""


@dataclass(frozen=True)
class Problem:
    line: int
    severity: str  # "error" stops the plan; "warning" is reported and planned around
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"


@dataclass
class Inventory:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class Placement:
    ident: str
    wave: int
    priority: int  # effective priority after inheritance
    reason: str


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _row(line: int, raw: dict[str, str], problems: list[Problem]) -> Row | None:
    kind = (raw.get("kind") or "").strip()
    ident = (raw.get("id") or "").strip()
    if kind not in KINDS:
        problems.append(
            Problem(line, "error", f"type inconnu {kind!r} (server, application, account)")
        )
        return None
    if not ident:
        problems.append(Problem(line, "error", "identifiant vide"))
        return None
    try:
        priority = int((raw.get("priority") or "").strip())
    except ValueError:
        problems.append(Problem(line, "error", f"{ident} : priorité non numérique"))
        return None
    if priority not in PRIORITY_LABELS:
        problems.append(Problem(line, "error", f"{ident} : priorité {priority} hors de 0 à 4"))
        return None
    return Row(
        line=line,
        kind=kind,
        ident=ident,
        name=(raw.get("name") or "").strip(),
        priority=priority,
        care_processes=(raw.get("care_processes") or "").strip(),
        depends_on=_split(raw.get("depends_on") or ""),
        account_type=(raw.get("account_type") or "").strip(),
    )


def read_inventory(text: str) -> Inventory:
    """Parse the CSV (format in docs/formats/inventory.md) and validate it."""
    inventory = Inventory()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        inventory.problems.append(
            Problem(1, "error", f"colonnes manquantes : {', '.join(missing)}")
        )
        return inventory
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        row = _row(line, raw, inventory.problems)
        if row is None:
            continue
        if row.ident in seen:
            inventory.problems.append(
                Problem(line, "error", f"{row.ident} déjà défini ligne {seen[row.ident]}")
            )
            continue
        seen[row.ident] = line
        inventory.rows.append(row)
    _validate(inventory)
    return inventory


def _validate(inventory: Inventory) -> None:
    by_id = {row.ident: row for row in inventory.rows}
    for row in inventory.rows:
        for dep in row.depends_on:
            target = by_id.get(dep)
            if target is None:
                inventory.problems.append(
                    Problem(row.line, "error", f"{row.ident} dépend de {dep}, inconnu")
                )
            elif (
                row.kind == "application"
                and target.kind == "application"
                and target.priority > row.priority
            ):
                inventory.problems.append(
                    Problem(
                        row.line,
                        "warning",
                        f"{row.ident} (priorité {row.priority}) dépend de {dep} de priorité "
                        f"moindre ({target.priority}) : {dep} sera avancé",
                    )
                )
    for cycle in find_cycles(inventory.rows):
        lines = ", ".join(str(by_id[i].line) for i in cycle)
        inventory.problems.append(
            Problem(
                by_id[cycle[0]].line,
                "error",
                f"dépendance circulaire : {' → '.join((*cycle, cycle[0]))} (lignes {lines})",
            )
        )


def _graph(rows: list[Row]) -> dict[str, list[str]]:
    known = {row.ident for row in rows}
    return {row.ident: [d for d in row.depends_on if d in known] for row in rows}


def find_cycles(rows: list[Row]) -> list[tuple[str, ...]]:
    """One cycle per strongly connected knot (iterative Tarjan: inventories are deep)."""
    graph = _graph(rows)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[tuple[str, ...]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_pos = work.pop()
            if child_pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            if child_pos < len(children):
                work.append((node, child_pos + 1))
                child = children[child_pos]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cycles.append(_cycle_in(component, graph))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cycles


def _cycle_in(component: list[str], graph: dict[str, list[str]]) -> tuple[str, ...]:
    """Walk inside the knot until a node repeats: that loop is a readable cycle."""
    members = set(component)
    path: list[str] = [min(component)]
    position = {path[0]: 0}
    while True:
        nxt = next(d for d in graph[path[-1]] if d in members)
        if nxt in position:
            return tuple(path[position[nxt] :])
        position[nxt] = len(path)
        path.append(nxt)


def _topological(rows: list[Row], graph: dict[str, list[str]]) -> list[str]:
    """Dependencies before dependents (Kahn); the inventory must be acyclic."""
    pending = {ident: len(deps) for ident, deps in graph.items()}
    users: dict[str, list[str]] = {ident: [] for ident in graph}
    for ident, deps in graph.items():
        for dep in deps:
            users[dep].append(ident)
    ready = deque(row.ident for row in rows if pending[row.ident] == 0)
    order: list[str] = []
    while ready:
        ident = ready.popleft()
        order.append(ident)
        for user in users[ident]:
            pending[user] -= 1
            if pending[user] == 0:
                ready.append(user)
    return order


def compute_waves(inventory: Inventory) -> list[Placement]:
    """Place every server and application in a wave, each with the reason why."""
    if inventory.errors:
        raise ValueError("the inventory has errors; fix them before planning")
    rows = [row for row in inventory.rows if row.kind in PLANNED_KINDS]
    by_id = {row.ident: row for row in rows}
    graph = _graph(rows)
    order = _topological(rows, graph)
    effective: dict[str, int] = {}
    pulled_by: dict[str, str] = {}
    for row in rows:
        # Servers start at the back and are pulled forward by what they host.
        effective[row.ident] = 5 if row.kind == "server" else row.priority
    for ident in reversed(order):  # dependents before their dependencies
        for dep in graph[ident]:
            if effective[ident] < effective[dep]:
                effective[dep] = effective[ident]
                pulled_by[dep] = ident
    for row in rows:
        if effective[row.ident] == 5:
            effective[row.ident] = row.priority
    level: dict[str, int] = {}
    for ident in order:
        same = [level[d] for d in graph[ident] if effective[d] == effective[ident]]
        level[ident] = 1 + max(same) if same else 0
    keys = sorted({(effective[i], level[i]) for i in order})
    wave_of_key = {key: number for number, key in enumerate(keys, start=1)}
    waves = {i: wave_of_key[(effective[i], level[i])] for i in order}
    return [
        Placement(i, waves[i], effective[i], _reason(by_id[i], effective, pulled_by, waves, graph))
        for i in sorted(order, key=lambda i: (waves[i], i))
    ]


def _reason(
    row: Row,
    effective: dict[str, int],
    pulled_by: dict[str, str],
    waves: dict[str, int],
    graph: dict[str, list[str]],
) -> str:
    prio = effective[row.ident]
    parts = [f"priorité {prio} ({PRIORITY_LABELS[prio]})"]
    if row.ident in pulled_by:
        needer = pulled_by[row.ident]
        origin = "hébergé" if row.kind == "server" else "avancé"
        parts.append(f"{origin} : requis par {needer} (priorité {effective[needer]})")
    elif row.care_processes:
        parts.append(f"processus de soins : {row.care_processes.replace(';', ', ')}")
    same = [d for d in graph[row.ident] if effective[d] == prio]
    if same:
        last = max(same, key=lambda d: waves[d])
        parts.append(f"après {last} (vague {waves[last]}) dont il dépend")
    return " ; ".join(parts)


def accounts(inventory: Inventory) -> list[Row]:
    return [row for row in inventory.rows if row.kind == "account"]
