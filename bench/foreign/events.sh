#!/usr/bin/env bash
# Issue 11's acceptance run on dumps this project did not write: the independent Python writer
# makes the dumps, `dumpflow local --state DIR` stores them, and `dumpflow events --state DIR
# --json` for every patient-device must return exactly the events the format says are stored
# (events_oracle.py), value bits included. A second run on the same state must store nothing.
#   bash bench/foreign/events.sh [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
now=1764000000000 # processing time for the expiry rule (2025-11-24T16:00:00Z)
mkdir -p "$work"
python3 "$here/mdmp_writer.py" "$work/dumps" "$now"
python3 "$here/events_oracle.py" "$work/dumps" "$now" > "$work/oracle-events.json"
cd "$here/../.."
node bin/dumpflow.js local --state "$work/state" --dumps "$work/dumps" --now "$now" --json > "$work/first.json"
node bin/dumpflow.js local --state "$work/state" --dumps "$work/dumps" --now "$now" --json > "$work/again.json"
# Ids may hold any printable byte ('/' included): files are named by position, not by id.
i=0
while IFS=$'\t' read -r patient device; do
  node bin/dumpflow.js events --state "$work/state" --patient "$patient" --device "$device" --json > "$work/events-$i.json"
  i=$((i + 1))
done < <(python3 -c 'import json,sys; [print(k.replace("|", "\t", 1)) for k in json.load(open(sys.argv[1]))]' "$work/oracle-events.json")
python3 - "$work" <<'PY'
import json, os, struct, sys
work = sys.argv[1]
oracle = json.load(open(os.path.join(work, 'oracle-events.json')))
differences, total = [], 0
for i, (pair, expected) in enumerate(oracle.items()):
    got = json.load(open(os.path.join(work, f'events-{i}.json')))
    rows = [[e['timestamp'], e['seq'], e['type'], e['flags'], struct.pack('<d', float(e['value'])).hex(), e['duration']]
            for e in got['events']]
    total += len(rows)
    if rows != expected:
        missing = [r for r in expected if r not in rows][:3]
        extra = [r for r in rows if r not in expected][:3]
        differences.append(f'{pair}: {len(rows)} returned, {len(expected)} expected; missing {missing}, extra {extra}')
again = json.load(open(os.path.join(work, 'again.json')))
stored_again = sum(p['eventsStored'] for p in again['phases'])
if stored_again:
    differences.append(f'second run stored {stored_again} events')
print(f'patient-devices: {len(oracle)}, events returned: {total}, stored by the second run: {stored_again}')
print('differences:', len(differences))
for d in differences:
    print('  ' + d)
sys.exit(1 if differences else 0)
PY
