"""Time the restoration planner on a hospital-sized inventory against a CSV-read baseline."""

from __future__ import annotations

import argparse
import csv
import io
import random
import time

from autarcie.crisis import restoration
from autarcie.demo.synth.inventory import build_inventory, inventory_csv


def _with_dependencies(text: str, target: int, seed: int) -> tuple[str, int]:
    """Add backward edges (never cycles) until servers and applications hold ``target`` deps."""
    rows = list(csv.DictReader(io.StringIO(text)))
    rng = random.Random(seed)
    planned = [i for i, r in enumerate(rows) if r["kind"] != "account"]
    count = sum(
        len([d for d in r["depends_on"].split(";") if d]) for r in rows if r["kind"] != "account"
    )
    apps = [i for i in planned if rows[i]["kind"] == "application"]
    while count < target:
        i = rng.choice(apps[1:])
        j = rng.choice([k for k in planned if k < i][-200:])
        deps = [d for d in rows[i]["depends_on"].split(";") if d]
        if rows[j]["id"] not in deps:
            deps.append(rows[j]["id"])
            rows[i]["depends_on"] = ";".join(deps)
            count += 1
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), count


def _best(runs: int, work: object) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a 100-bed hospital, one run")
    args = parser.parse_args()
    beds, deps, runs = (100, 600, 1) if args.small else (869, 5000, 5)
    text, count = _with_dependencies(inventory_csv(build_inventory(7, beds)), deps, 7)

    def baseline() -> None:
        list(csv.DictReader(io.StringIO(text)))

    def plan() -> None:
        inventory = restoration.read_inventory(text)
        restoration.compute_waves(inventory)

    inventory = restoration.read_inventory(text)
    placements = restoration.compute_waves(inventory)
    apps = sum(1 for r in inventory.rows if r.kind == "application")
    servers = sum(1 for r in inventory.rows if r.kind == "server")
    base, full = _best(runs, baseline), _best(runs, plan)
    print(
        f"inventory: {servers} servers, {apps} applications, {count} dependencies; "
        f"{max(p.wave for p in placements)} waves"
    )
    print(f"baseline (CSV read only): {base * 1000:.1f} ms")
    print(
        f"read + validate + plan:   {full * 1000:.1f} ms  ({full / base:.1f}x baseline; "
        "target < 1000 ms)"
    )


if __name__ == "__main__":
    main()
