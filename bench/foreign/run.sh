#!/usr/bin/env bash
# Issue 7's (and issue 12's) acceptance run on dumps this project did not write: an independent Python MDMP/1
# writer makes the dumps, dumpflow local processes them fault-free and under faults, and the
# counts, KPIs and dead letters must be equal (and the KPIs equal an independent Python oracle),
# and `dumpflow verify` must find nothing in either store (every dump final, none past its deadline).
#   bash bench/foreign/run.sh [FAULT_SPEC] [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
spec="${1:-throttle=0.3,unprocessed=0.3,s3-duplicate=3,redeliver=2,crash=0.05,parser-crash=0.2,conflict=0.1,pause=0.05}"
work="${2:-$(mktemp -d)}"
now=1764000000000 # processing time for the expiry rule (2025-11-24T16:00:00Z)
mkdir -p "$work"
python3 "$here/mdmp_writer.py" "$work/dumps" "$now"
python3 "$here/kpi_oracle.py" "$work/dumps" "$now" > "$work/oracle.json"
cd "$here/../.."
node bin/dumpflow.js local --dumps "$work/dumps" --now "$now" --verify --json --log-file "$work/clean.log" > "$work/clean.json"
node bin/dumpflow.js local --dumps "$work/dumps" --now "$now" --faults "$spec" --verify --json --log-file "$work/faults.log" > "$work/faults.json"
python3 "$here/compare.py" "$work/clean.json" "$work/faults.json" "$work/oracle.json"
