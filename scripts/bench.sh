#!/usr/bin/env bash
# Benchmarks at small sizes: they print figures and never fail on timings.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in bench/bench_*.py; do
  echo "== $script"
  .venv/bin/python "$script" --small
done
