#!/usr/bin/env bash
# `make bundle`: one archive that installs Autarcie on a LAN machine with no package registry.
#
# dist/autarcie-<version>-bundle.tar.gz holds autarcie-<version>/ with the wheels of the locked
# runtime requirements and Autarcie's own wheel (wheels/), requirements.lock (the runtime lock
# plus Autarcie's wheel and its hash), install.sh, INSTALL.txt and SHA256SUMS; a .sha256 file
# sits beside the archive. Build it on the target's kind of machine (Debian 12, x86_64,
# Python 3.11): the wheels are those of this platform.
#
# BUNDLE_OUT (default dist) is where the archive goes; BUNDLE_VERSION builds under another
# version number (to rehearse an upgrade); PYTHON is the interpreter with pip and setuptools.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
OUT=${BUNDLE_OUT:-dist}
VERSION=${BUNDLE_VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)}
[[ -n $VERSION ]] || { echo "bundle: no version in pyproject.toml" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name="autarcie-$VERSION"
stage="$work/$name"
mkdir -p "$stage/wheels" "$work/tree"

# Autarcie's wheel, built from a copy of the tree: the tree itself gets no build/ or egg-info.
tar -c --exclude=__pycache__ --exclude='*.egg-info' --exclude='*.pyc' \
  pyproject.toml README.md src | tar -x -C "$work/tree"
sed -i "s/^version = \".*\"$/version = \"$VERSION\"/" "$work/tree/pyproject.toml"
sed -i "s/^__version__ = \".*\"$/__version__ = \"$VERSION\"/" "$work/tree/src/autarcie/__init__.py"
echo "bundle: building autarcie $VERSION"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation \
  --wheel-dir "$stage/wheels" "$work/tree"

echo "bundle: fetching the wheels of requirements/runtime.lock"
"$PYTHON" -m pip download --quiet --require-hashes --only-binary=:all: --no-deps \
  --dest "$stage/wheels" -r requirements/runtime.lock

own=$(ls "$stage/wheels"/autarcie-*.whl)
{
  cat requirements/runtime.lock
  echo "autarcie==$VERSION \\"
  echo "    --hash=sha256:$(sha256sum "$own" | cut -d' ' -f1)"
} >"$stage/requirements.lock"
cp scripts/bundle/install.sh scripts/bundle/INSTALL.txt "$stage/"
chmod 0755 "$stage/install.sh"
echo "$VERSION" >"$stage/VERSION"
(cd "$stage" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' \
  | xargs sha256sum >SHA256SUMS)

mkdir -p "$OUT"
archive="$OUT/$name-bundle.tar.gz"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$archive.partial" "$name"
mv "$archive.partial" "$archive"
(cd "$OUT" && sha256sum "$name-bundle.tar.gz" >"$name-bundle.tar.gz.sha256")
count=$(find "$stage/wheels" -name '*.whl' | wc -l)
echo "bundle: $archive ($count wheels, $(du -h "$archive" | cut -f1)); checksum in $archive.sha256"
