#!/usr/bin/env bash
# Installs, upgrades or rolls back Autarcie from this bundle, with no package registry.
#
#   install.sh [--prefix DIR]
#       install this version into DIR/versions/<version>; DIR/current points to it
#   install.sh --upgrade --data-dir D --backup-dir B [--prefix DIR]
#       back up the instance D with the current version, install this one, migrate D,
#       then point DIR/current to this version (the previous one is kept)
#   install.sh --rollback [--prefix DIR]
#       point DIR/current back to the version before the last upgrade and restore the
#       backup taken before it (the data as the upgrade found it)
#
# Run upgrade and rollback with the instance's environment (AUTARCIE_DB_KEY_FILE,
# AUTARCIE_BACKUP_KEY_FILE, DB and POSTGRES_*, as the service has them), with `autarcie serve`
# stopped. DIR defaults to /opt/autarcie; PYTHON to python3 (3.11 or later, with venv).
set -euo pipefail
umask 077

HERE=$(cd "$(dirname "$0")" && pwd)
VERSION=$(cat "$HERE/VERSION")
PREFIX=/opt/autarcie
MODE=install
DATA_DIR=""
BACKUP_DIR=""
PYTHON=${PYTHON:-python3}

die() {
  echo "install.sh: $*" >&2
  exit 1
}
stamp() { date -u +%Y%m%dT%H%M%SZ; }

while (($#)); do
  case $1 in
    --prefix) PREFIX=${2:?--prefix needs a folder}; shift 2 ;;
    --data-dir) DATA_DIR=${2:?--data-dir needs a folder}; shift 2 ;;
    --backup-dir) BACKUP_DIR=${2:?--backup-dir needs a folder}; shift 2 ;;
    --upgrade) MODE=upgrade; shift ;;
    --rollback) MODE=rollback; shift ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
PREFIX=$(realpath -m "$PREFIX")
STATE="$PREFIX/upgrade.state"

verify_bundle() {
  (cd "$HERE" && sha256sum --quiet --strict -c SHA256SUMS) \
    || die "the bundle's checksums do not match: copy it again, nothing was installed"
}

# Point DIR/current at versions/$1, atomically (a new link renamed over the old one).
switch_to() {
  ln -sfn "versions/$1" "$PREFIX/current.new"
  mv -T "$PREFIX/current.new" "$PREFIX/current"
}

current_version() {
  [[ -L $PREFIX/current ]] || return 1
  basename "$(readlink "$PREFIX/current")"
}

# A virtual environment per version, filled from the bundle's wheels only: no index, no
# configuration file of this machine, every file checked against the lock's hashes.
install_version() {
  local dest="$PREFIX/versions/$VERSION"
  if [[ -f $dest/.complete ]]; then
    echo "autarcie $VERSION is already installed in $dest"
    return 0
  fi
  rm -rf "$dest"
  mkdir -p "$PREFIX/versions"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is older than Python 3.11"
  "$PYTHON" -m venv "$dest" || die "$PYTHON -m venv failed (Debian: install python3-venv)"
  if ! PIP_CONFIG_FILE=/dev/null "$dest/bin/python" -m pip install --quiet \
    --disable-pip-version-check --no-cache-dir --no-index --find-links "$HERE/wheels" \
    --only-binary=:all: --require-hashes -r "$HERE/requirements.lock"; then
    rm -rf "$dest"
    die "installing the wheels failed; nothing was changed"
  fi
  touch "$dest/.complete"
  echo "installed autarcie $VERSION in $dest"
}

do_install() {
  verify_bundle
  install_version
  if ! current_version >/dev/null; then
    switch_to "$VERSION"
    echo "$PREFIX/current -> versions/$VERSION"
  else
    echo "$PREFIX/current still points to $(current_version): use --upgrade to move to $VERSION"
  fi
}

do_upgrade() {
  [[ -n $DATA_DIR && -n $BACKUP_DIR ]] || die "--upgrade needs --data-dir and --backup-dir"
  local previous
  previous=$(current_version) || die "nothing installed in $PREFIX: install first"
  [[ $previous != "$VERSION" ]] || die "autarcie $VERSION is already the current version"
  verify_bundle
  mkdir -p "$BACKUP_DIR"
  local backup
  backup="$(realpath -m "$BACKUP_DIR")/pre-upgrade-$previous-to-$VERSION-$(stamp).autarcie-backup"
  echo "backing up $DATA_DIR with autarcie $previous"
  "$PREFIX/versions/$previous/bin/autarcie" backup create --data-dir "$DATA_DIR" --out "$backup" \
    || die "the backup failed: nothing was changed"
  install_version
  {
    echo "previous=$previous"
    echo "next=$VERSION"
    echo "backup=$backup"
    echo "data_dir=$(realpath -m "$DATA_DIR")"
  } >"$STATE"
  echo "migrating $DATA_DIR with autarcie $VERSION"
  "$PREFIX/versions/$VERSION/bin/autarcie" init --data-dir "$DATA_DIR" \
    || die "the migration failed; $PREFIX/current still points to $previous. The data may be \
half-migrated: run 'install.sh --rollback' to restore $backup"
  switch_to "$VERSION"
  echo "upgraded $previous -> $VERSION; backup $backup; previous version kept in" \
    "$PREFIX/versions/$previous ('install.sh --rollback' goes back). Start autarcie serve again."
}

state() { sed -n "s/^$1=//p" "$STATE"; }

# Move a path aside (it is kept, never deleted), or put it back.
aside() { [[ ! -e $1 ]] || mv "$1" "$1.before-rollback-$2"; }
back() { [[ ! -e $1.before-rollback-$2 ]] || { rm -rf "$1"; mv "$1.before-rollback-$2" "$1"; }; }

do_rollback() {
  [[ -f $STATE ]] || die "no upgrade to roll back in $PREFIX ($STATE is missing)"
  local previous backup data when key kits
  previous=$(state previous)
  backup=$(state backup)
  data=$(state data_dir)
  [[ -x $PREFIX/versions/$previous/bin/autarcie ]] || die "version $previous is not in $PREFIX"
  [[ -f $backup ]] || die "the pre-upgrade backup $backup is missing"
  when=$(stamp)
  key=${AUTARCIE_DB_KEY_FILE:-}
  kits=${AUTARCIE_KITS_DIR:-}
  [[ ${DB:-sqlite} == postgres || -n $key ]] || die "set AUTARCIE_DB_KEY_FILE as the service has it"
  # The upgraded data stays on disk, renamed, until a person decides to delete it.
  aside "$data" "$when"
  [[ -z $key ]] || [[ ${DB:-sqlite} == postgres ]] || aside "$key" "$when"
  [[ -z $kits || $kits == "$data"/* ]] || aside "$kits" "$when"
  echo "restoring $backup into $data with autarcie $previous"
  if ! "$PREFIX/versions/$previous/bin/autarcie" backup restore "$backup" --data-dir "$data"; then
    back "$data" "$when"
    [[ -z $key ]] || [[ ${DB:-sqlite} == postgres ]] || back "$key" "$when"
    [[ -z $kits || $kits == "$data"/* ]] || back "$kits" "$when"
    die "the restore failed: the upgraded data was put back; $PREFIX/current is unchanged"
  fi
  switch_to "$previous"
  mv "$STATE" "$STATE.rolled-back-$when"
  echo "rolled back to $previous; the upgraded data is kept as $data.before-rollback-$when." \
    "Start autarcie serve again."
}

case $MODE in
  install) do_install ;;
  upgrade) do_upgrade ;;
  rollback) do_rollback ;;
esac
