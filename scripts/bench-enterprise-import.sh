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

# The registry's search on the loaded province, through the same workflow call as the page and
# the API (`econops enterprises search`, the office's view, 20 per page): the median and the
# slowest of 5 runs of each query, the first page; each must stay under 50 ms.
echo "search (20 per page, 5 runs each):"
search() {
  local what="$1"; shift
  printf '  %-34s ' "$what"
  "$BIN" enterprises search --db "sqlite://$DB" --region 370000 --repeat 5 --quiet "$@"
}
search "name, 2 characters, none: 海尔" --text 海尔
search "name, 2 characters, rare: 华盛" --text 华盛
search "name, 2 characters, common: 济南" --text 济南
search "name, 4 characters: 鑫泰其他" --text 鑫泰其他
search "name, 1 character: 鑫" --text 鑫
search "name, none: 不存在的企业" --text 不存在的企业
search "USCC prefix: 91370281MA00" --text 91370281MA00
search "industry division 38" --industry 38
search "industry class 3851" --industry 3851
search "tag 链主" --tag 链主
search "scale kind: industry" --scale industry
search "above scale" --above-scale
search "2 characters + tag: 华盛 上市" --text 华盛 --tag 上市
search "2 characters + division: 济南 38" --text 济南 --industry 38
search "page 50 of 济南" --text 济南 --page 50
