#!/usr/bin/env bash
# Line coverage of the whole workspace (unit, integration and browser tests)
# with cargo-tarpaulin's LLVM engine, which needs no extra toolchain parts.
# Installs tarpaulin if missing. Slow (a separate instrumented build), so it
# is not part of every CI run. Output: coverage/tarpaulin-report.{json,html}
# and the per-file table printed at the end.
#   scripts/coverage.sh            # SQLite
#   LUCKYGAS_TEST_DB=postgres scripts/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-tarpaulin >/dev/null 2>&1 || cargo install cargo-tarpaulin --locked
export CI="${CI:-true}" LUCKYGAS_TEST_DB="${LUCKYGAS_TEST_DB:-sqlite}"
cargo tarpaulin --workspace --engine llvm --target-dir target/coverage \
  --out Json --out Html --output-dir coverage --timeout 900 --no-fail-fast \
  --exclude-files 'tests/*' --exclude-files 'crates/*/examples/*' --exclude-files 'crates/*/benches/*'
