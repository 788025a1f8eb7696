#!/usr/bin/env bash
# Measures every page of the command loop under load: wrk with 64 connections against each page
# as a signed-in user, in the same run as a static asset (the floor this machine can serve), and
# prints one Markdown row per URL: requests/s, p50, p99 and the ratio of the page's p99 to the
# asset's. The figures go into docs/performance.md with this command.
#
#   scripts/bench-pages.sh                       # release build, demo region, office user
#   ECONOPS_BENCH_EXTRA_PROJECTS=20000 scripts/bench-pages.sh   # plus generated projects
#
# Environment: ECONOPS_BENCH_BIN (default target/release/econops, built if missing),
# ECONOPS_BENCH_USER (office), ECONOPS_BENCH_SECONDS (10), ECONOPS_BENCH_CONNECTIONS (64),
# ECONOPS_BENCH_PORT (18190), ECONOPS_BENCH_PATHS (space-separated; default: the pages below).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${ECONOPS_BENCH_BIN:-target/release/econops}
user=${ECONOPS_BENCH_USER:-office}
seconds=${ECONOPS_BENCH_SECONDS:-10}
conns=${ECONOPS_BENCH_CONNECTIONS:-64}
port=${ECONOPS_BENCH_PORT:-18190}
extra=${ECONOPS_BENCH_EXTRA_PROJECTS:-0}
base="http://127.0.0.1:$port"

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
if [[ ! -x $bin ]]; then
    cargo build --release -p econops >&2
fi

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/bench.db"
demo_args=(demo --db "$db" --addr "127.0.0.1:$port")
if [[ $extra != 0 ]]; then
    demo_args+=(--extra-projects "$extra")
fi
"$bin" "${demo_args[@]}" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done

# Sign in through the form (double-submit CSRF cookie), keep the session cookie.
jar="$work/cookies"
csrf=$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fsS -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "username=$user" \
    --data-urlencode "password=econops-demo" "$base/login"
session=$(awk '$6 == "econops_session" { print $7 }' "$jar")
[[ -n $session ]] || { echo "sign-in as $user failed" >&2; exit 1; }
cookie="Cookie: econops_session=$session"

# The content-hashed stylesheet named by the overview page.
asset=$(curl -fsS -H "$cookie" "$base/" | grep -o '/assets/app\.[0-9a-f]*\.css' | head -1)
project=$(curl -fsS -H "$cookie" "$base/api/v1/projects?per_page=1" \
    | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
project=${project:-1}
task=$(curl -fsS -H "$cookie" "$base/api/v1/tasks" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
task=${task:-1}
uscc=$(curl -fsS -H "$cookie" "$base/api/v1/enterprises?per_page=1" \
    | grep -o '"uscc":"[0-9A-Z]*"' | head -1 | cut -d'"' -f4)
# The first town and track linked from the overview and the system page.
town=$(curl -fsS -H "$cookie" "$base/overview" | grep -o 'href="/towns/[0-9]*"' | head -1 | grep -o '[0-9]*')
track=$(curl -fsS -H "$cookie" "$base/system" | grep -o 'href="/tracks/[0-9]*"' | head -1 | grep -o '[0-9]*')

paths=${ECONOPS_BENCH_PATHS:-"/ /overview /locate /shortfalls /tasks /tasks/$task /supervision /projects /projects?view=table /projects/$project /inbox /search?q=%E6%99%BA%E8%83%BD /audit /requests /requests/measures /enterprises ${uscc:+/enterprises/$uscc} /enterprises/watch /enterprises/import /locate/indicators/industrial-va /policies /service /matching ${town:+/towns/$town} ${track:+/tracks/$track}"}

# wrk's latency distribution in milliseconds.
ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.1f", n }'
}
measure() {
    local out
    out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "$cookie" -H "Accept-Encoding: gzip" "$base$1")
    local rps p50 p99 non2xx
    rps=$(awk '/^Requests\/sec/ { printf "%d", $2 }' <<<"$out")
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
    echo "$rps $p50 $p99 ${non2xx:-0}"
}

# Warm the caches once, then measure the asset, the pages, and the asset again.
for p in $paths; do curl -fsS -o /dev/null -H "$cookie" "$base$p"; done
read -r a_rps a_p50 a_p99 _ <<<"$(measure "$asset")"
echo "| URL ($user, c=$conns, ${seconds} s) | requests/s | p50 ms | p99 ms | p99 ÷ asset p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| \`$asset\` (static) | $a_rps | $a_p50 | $a_p99 | 1.0 | 0 |"
for p in $paths; do
    read -r rps p50 p99 bad <<<"$(measure "$p")"
    ratio=$(awk -v a="$p99" -v b="$a_p99" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
    echo "| \`$p\` | $rps | $p50 | $p99 | $ratio | $bad |"
done
read -r a_rps a_p50 a_p99 _ <<<"$(measure "$asset")"
echo "| \`$asset\` (static, again) | $a_rps | $a_p50 | $a_p99 | 1.0 | 0 |"
