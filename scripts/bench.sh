#!/usr/bin/env bash
# Benchmarks at small sizes: they print figures (with a baseline measured in the same run)
# and never fail on timings. Full sizes: run each script with its own options (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
echo "== synthetic hospital generator"
$PY bench/bench_generate.py --beds 120 --days 1 --patients 20000
for script in bench/bench_*.py; do
  case "$script" in
    bench/bench_generate.py) continue ;;
  esac
  echo "== $script"
  $PY "$script" --small
done
