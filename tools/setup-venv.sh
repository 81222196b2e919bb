#!/usr/bin/env bash
# Create the project's virtual environment from the lock (requirements.txt):
# uv installs it (with every hash checked, bytecode compiled so the first render
# does not pay for it); where uv cannot be installed, pip does, with
# --require-hashes. Both install with --no-deps: the lock is complete (every
# package pinned) and requirements-overrides.txt overrides one package's
# declared constraint. Says which installer it used and how long it took.
#   PYTHON  interpreter to build the venv from (default python3)
#   VENV    where (default .venv)
#   NO_UV=1 skip uv (the fallback path; tests/test_lock.py forces it this way)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
UV_VERSION="0.13.8"            # pinned; uv itself comes from PyPI
TOOLS="$VENV.tools"            # uv's own folder, moved into $VENV/.tools once the venv exists
LOCK="${LOCK:-requirements.txt}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

start=$(now)
rm -rf "$VENV" "$VENV.new" "$TOOLS"
installer=""
if [ -z "${NO_UV:-}" ]; then
  # uv from PyPI into a folder of its own (pip's --target: no second venv to build)
  if "$PYTHON" -m pip install --quiet --disable-pip-version-check --target "$TOOLS" "uv==$UV_VERSION" \
       >/dev/null 2>&1 && [ -x "$TOOLS/bin/uv" ]; then
    if "$TOOLS/bin/uv" venv --quiet --python "$PYTHON" "$VENV.new" &&
       "$TOOLS/bin/uv" pip install --quiet --python "$VENV.new/bin/python" --require-hashes \
         --no-deps --compile-bytecode -r "$LOCK"; then
      mv "$TOOLS" "$VENV.new/.tools"
      mv "$VENV.new" "$VENV"
      TOOLS="$VENV/.tools"
      installer="uv $UV_VERSION"
    else
      echo "== uv could not install the lock; falling back to pip" >&2
      rm -rf "$VENV.new"
    fi
  else
    echo "== uv $UV_VERSION could not be installed; falling back to pip" >&2
  fi
fi
if [ -z "$installer" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
  installer="pip --require-hashes"
fi
echo "== $VENV ready in $(elapsed "$start") s (installer: $installer; from $LOCK)"
