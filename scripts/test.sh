#!/usr/bin/env bash
# The one test command: installs what is missing, then runs formatting, lint,
# the Rust tests against a throwaway PostgreSQL server, and the browser tests.
#
#   bash scripts/test.sh
#
# Idempotent: every install step runs only when something is missing, so a
# second run goes straight to the checks. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
if [[ "${CI:-}" == "true" ]]; then
    export NPM_CONFIG_PROGRESS=false
fi

START_TIME=$SECONDS
SECTION=""
SECTION_START=$SECONDS

section() {
    if [[ -n "$SECTION" ]]; then
        printf '    (%s: %ds)\n' "$SECTION" $((SECONDS - SECTION_START))
    fi
    SECTION="$1"
    SECTION_START=$SECONDS
    printf '\n==================== %s ====================\n' "$1"
}

fail() {
    printf '\ntest.sh: FAILED: %s\n' "$*" >&2
    exit 1
}

on_exit() {
    local rc=$?
    # Stop the PostgreSQL server if this run started it; stay quiet.
    if [[ -n "${PG_STARTED:-}" ]]; then
        bash "$ROOT/scripts/pg-test-server.sh" stop >/dev/null 2>&1 || true
    fi
    if ((rc != 0)); then
        printf '\ntest.sh: FAILED in section "%s" (exit %d) after %ds\n' \
            "$SECTION" "$rc" $((SECONDS - START_TIME)) >&2
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -E "$@"
    else
        fail "need root to run: $*"
    fi
}

# ---------------------------------------------------------------------------
section "dependencies"

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing_debs=()
for pkg in postgresql chromium chromium-driver fonts-noto-cjk; do
    deb_installed "$pkg" || missing_debs+=("$pkg")
done
command -v node >/dev/null 2>&1 || missing_debs+=(nodejs)
command -v npm >/dev/null 2>&1 || missing_debs+=(npm)
if ((${#missing_debs[@]})); then
    echo "installing Debian packages: ${missing_debs[*]}"
    as_root apt-get update -q
    as_root apt-get install -y -q "${missing_debs[@]}"
else
    echo "Debian packages: all present"
fi

for comp in fmt:rustfmt clippy:clippy; do
    sub="${comp%%:*}"
    component="${comp##*:}"
    if ! cargo "$sub" --version >/dev/null 2>&1; then
        echo "installing rustup component $component"
        rustup component add "$component"
    fi
done
echo "cargo: $(cargo --version); $(cargo fmt --version); $(cargo clippy --version)"

if [[ ! -f package-lock.json ]]; then
    echo "package-lock.json missing: npm install"
    npm install --no-audit --no-fund
elif [[ ! -f node_modules/.package-lock.json ]] ||
    [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    echo "node_modules missing or older than package-lock.json: npm ci"
    npm ci --no-audit --no-fund
else
    echo "node_modules: up to date"
fi
echo "node: $(node --version)"

# ---------------------------------------------------------------------------
section "cargo fmt --check"
cargo fmt --all -- --check

# ---------------------------------------------------------------------------
section "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

# ---------------------------------------------------------------------------
section "PostgreSQL test server"
PG_STARTED=1
PG_URL="$(bash scripts/pg-test-server.sh start)"
echo "PostgreSQL: $PG_URL"

# ---------------------------------------------------------------------------
section "cargo test"
ECONOPS_TEST_PG_URL="$PG_URL" ECONOPS_REQUIRE_PG=1 cargo test --workspace

# ---------------------------------------------------------------------------
section "browser tests (e2e)"
# `cargo test` above built the binary for the command-line tests; building it again with
# `cargo build` would recompile dependencies under other feature sets, for nothing.
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET_DIR" == /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
[[ -x "$TARGET_DIR/debug/econops" ]] || fail "binary $TARGET_DIR/debug/econops not found"
shopt -s nullglob
e2e_tests=(e2e/*.test.mjs)
shopt -u nullglob
((${#e2e_tests[@]})) || fail "no browser tests found in e2e/"
ECONOPS_BIN="$TARGET_DIR/debug/econops" node --test "${e2e_tests[@]}"

# ---------------------------------------------------------------------------
section "API fuzzing (schemathesis)"
# Every check, against the demo's /api/openapi.json with an office token (scripts/api-fuzz.sh).
ECONOPS_BIN="$TARGET_DIR/debug/econops" bash scripts/api-fuzz.sh
