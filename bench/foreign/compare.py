#!/usr/bin/env python3
"""Compares two `dumpflow local --json` outputs (fault-free and with --faults) and the KPI oracle.
Exits 1 on any difference in counts, KPIs, dead letters or verify findings. Units, requests and times may differ."""
import json, sys
clean, faulty, oracle = (json.load(open(p)) for p in sys.argv[1:4])
# Capacity (ours and DynamoDB Local's own count) and times depend on retries, not on what was stored.
timing = {'readUnits', 'writeUnits', 'dynamodbLocal', 'requests', 'elapsedMs', 'latencyMs'}
counts = lambda phase: {k: v for k, v in phase.items() if k not in timing}
differences = []
for i, (a, b) in enumerate(zip(clean['phases'], faulty['phases'])):
    if counts(a) != counts(b):
        differences.append(f'phase {i + 1} counts: {counts(a)} != {counts(b)}')
if len(clean['phases']) != len(faulty['phases']):
    differences.append('different number of phases')
if clean['kpis'] != faulty['kpis']:
    differences.append(f"KPIs: {clean['kpis']} != {faulty['kpis']}")
by_key = {(k['patientId'], k['deviceId']): k for k in clean['kpis']}
for expected in oracle:
    got = by_key.get((expected['patientId'], expected['deviceId']), {})
    for field, value in expected.items():
        if got.get(field) != value:
            differences.append(f"oracle {expected['patientId']} {field}: {value} != {got.get(field)}")
for run in (clean, faulty):
    if any(run['deadLetters'].values()):
        differences.append(f"dead letters: {run['deadLetters']}")
for name, run in (('fault-free', clean), ('faulted', faulty)):
    found = run.get('verify', {}).get('differences', [])
    if found:
        differences.append(f"verify ({name}): {len(found)} difference(s), first {found[0]}")
for phase in clean['phases']:
    print('phase:', json.dumps(counts(phase)))
print('faults:', json.dumps(faulty.get('faults', {}).get('injected')), 'retries:', json.dumps(faulty.get('faults', {}).get('retries')))
print('differences:', len(differences))
for d in differences:
    print('  ' + d)
sys.exit(1 if differences else 0)
