#!/usr/bin/env python3
"""Independent KPI oracle for a directory of MDMP/1 dumps (from the spec only)."""
import sys, math, json
from mdmp_reader import stored_events
from fractions import Fraction
from decimal import Decimal, ROUND_HALF_UP
DAY = 86_400_000
d, now = sys.argv[1], int(sys.argv[2])
stored = {k: (k[4], value, dur) for k, (flags, value, dur) in stored_events(d, now).items()}
def r(x, n):
    return float(Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(repr(x))).__round__(10) if False else float((Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(x)).quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP))
out = []
for key in sorted({(k[0], k[1]) for k in stored}):
    evs = [(k[2], v) for k, v in stored.items() if (k[0], k[1]) == key]
    asof = max(ts // DAY for ts, _ in evs)
    win = [(ts, v) for ts, v in evs if asof - 44 <= ts // DAY <= asof]
    th = {}
    for ts, (typ, val, dur) in win:
        if typ == 1: th[ts // DAY] = th.get(ts // DAY, 0) + dur
    total = sum(th.values())
    leaks = [val for ts, (typ, val, dur) in win if typ == 4]
    apn = sum(1 for ts, (typ, _, _) in win if typ in (2, 3))
    out.append(dict(patientId=key[0], deviceId=key[1], usageDays=sum(1 for dd, s in th.items() if s >= 14400),
        compliancePct=r(Fraction(100 * sum(1 for dd, s in th.items() if s >= 14400 and dd >= asof - 29), 30), 1),
        avgUsageMinutes=r(Fraction(total, 45 * 60), 1), ahi=r(Fraction(apn * 3600, total), 2) if total else None,
        meanLeak=r(math.fsum(leaks) / len(leaks), 2) if leaks else None,
        alarms=sum(1 for ts, (typ, _, _) in win if typ == 7), events=len(win)))
print(json.dumps(out))
