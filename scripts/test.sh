#!/usr/bin/env bash
# The whole suite: lint, types, then pytest on SQLCipher and on a throw-away PostgreSQL.
# Installs the Debian packages the tests need when they are missing and we run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v 7zz >/dev/null || command -v 7z >/dev/null || need+=(7zip)
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || need+=(fonts-dejavu-core)
command -v openssl >/dev/null || need+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "make test needs the Debian packages: ${need[*]} (install them, or run as root)" >&2
    exit 1
  fi
fi

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy --strict"
$BIN/mypy src tests bench

# A throw-away PostgreSQL cluster owned by this run, on a free loopback port.
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PGTMP=$(mktemp -d)
PGPORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PGTMP"
stop_pg() {
  as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap stop_pg EXIT
as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off" start >/dev/null

mkdir -p test-artifacts
WORKERS=${PYTEST_WORKERS:-2}
status=0
echo "== pytest on SQLCipher (everything but the PostgreSQL-only tests)"
DB=sqlite $BIN/pytest -n "$WORKERS" -p no:cacheprovider -m "not postgres_only" "$@" || status=$?
echo "== pytest on PostgreSQL (database tests, browser smoke test)"
DB=postgres POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$PGPORT POSTGRES_USER=postgres \
  POSTGRES_DB=autarcie POSTGRES_SSLMODE=disable \
  $BIN/pytest -n "$WORKERS" -p no:cacheprovider \
  -m "database and not sqlite_only and (not browser or smoke)" "$@" || status=$((status ? status : $?))
exit $status
