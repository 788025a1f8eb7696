#!/usr/bin/env bash
# Enterprise registry import at scale: generates a province of N firms (default 1,000,000) as
# one CSV, loads it with `econops import enterprises` (every cell checked, upsert by USCC, one
# transaction) and with the sqlite3 shell's `.import` (no checks) into fresh SQLite files on the
# same machine, and prints both times and their ratio. Then times the registry's search on the
# loaded database. Usage: bash scripts/bench-enterprise-import.sh [N] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
WORK="${2:-target/bench-enterprises}"
mkdir -p "$WORK"
if ! command -v sqlite3 >/dev/null; then
  echo "installing sqlite3 (Debian package)…"
  apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; }
fi
BIN="${ECONOPS_BIN:-target/release/econops}"
if [ ! -x "$BIN" ]; then
  cargo build --release -p econops
fi
CSV="$WORK/province-$N.csv"
if [ ! -s "$CSV" ]; then
  echo "generating $N firms into $CSV …"
  python3 scripts/gen-enterprises.py "$N" > "$CSV"
fi
echo "file: $CSV ($(du -h "$CSV" | cut -f1), $(($(wc -l < "$CSV") - 1)) rows)"

# sqlite3 .import: a fresh file, the table created from the header, no checks.
rm -f "$WORK/dot-import.db"
t0=$(date +%s.%N)
sqlite3 "$WORK/dot-import.db" ".mode csv" ".import '$CSV' firms"
t1=$(date +%s.%N)
dot=$(echo "$t1 - $t0" | bc -l)

# econops: a fresh database with the province as a region.
DB="$WORK/econops.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN" migrate --db "sqlite://$DB" >/dev/null 2>&1
"$BIN" region add 370000 山东省 --db "sqlite://$DB" >/dev/null 2>&1
t0=$(date +%s.%N)
"$BIN" import enterprises "$CSV" --region 370000 --db "sqlite://$DB"
t1=$(date +%s.%N)
ours=$(echo "$t1 - $t0" | bc -l)

printf 'sqlite3 .import:            %8.2f s\n' "$dot"
printf 'econops import enterprises: %8.2f s\n' "$ours"
printf 'ratio:                      %8.2f (must be below 2)\n' "$(echo "$ours / $dot" | bc -l)"
