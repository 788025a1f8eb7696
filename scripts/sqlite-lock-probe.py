#!/usr/bin/env python3
# Usage: scripts/sqlite-lock-probe.py DB.sqlite COMMAND ARGS... (see docs/performance.md)
# Measures how long another process holds SQLite's write lock: tries BEGIN IMMEDIATE every
# millisecond without waiting and reports the longest stretch in which it could not.
import sqlite3, sys, time, subprocess
db = sys.argv[1]
cmd = sys.argv[2:]
conn = sqlite3.connect(db, timeout=0, isolation_level=None)
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
start = time.monotonic()
busy_since = None; longest = 0.0; total = 0.0
while proc.poll() is None:
    t = time.monotonic()
    try:
        conn.execute('BEGIN IMMEDIATE'); conn.execute('ROLLBACK')
        if busy_since is not None:
            d = t - busy_since; longest = max(longest, d); total += d; busy_since = None
    except sqlite3.OperationalError:
        if busy_since is None: busy_since = t
    time.sleep(0.001)
if busy_since is not None:
    d = time.monotonic() - busy_since; longest = max(longest, d); total += d
err = proc.stderr.read().decode()
print(f'rc={proc.returncode} wall={time.monotonic()-start:.2f}s longest_lock={longest*1000:.0f}ms total_locked={total*1000:.0f}ms')
if proc.returncode: print(err[-2000:])
