#!/usr/bin/env python3
"""Independent KPI oracle for a directory of MDMP/1 dumps (from the spec only)."""
import struct, sys, zlib, os, math, json
from fractions import Fraction
from decimal import Decimal, ROUND_HALF_UP
DAY = 86_400_000
d, now = sys.argv[1], int(sys.argv[2])
stored = {}
for name in sorted(os.listdir(d)):
    b = open(os.path.join(d, name), 'rb').read()
    if len(b) < 72: continue
    if b[0:4] != b'MDMP': continue
    version, hs, rs, _, count = struct.unpack_from('<HHHHI', b, 4)
    if zlib.crc32(b[0:60]) != struct.unpack_from('<I', b, 60)[0]: continue
    if len(b) != hs + count * rs + 8 or b[-8:-4] != b'MEND': continue
    if zlib.crc32(b[hs:hs + count * rs]) != struct.unpack_from('<I', b, len(b) - 4)[0]: continue
    dev = b[16:32].rstrip(b'\0').decode(); pat = b[32:48].rstrip(b'\0').decode()
    created = struct.unpack_from('<Q', b, 48)[0]
    for i in range(count):
        ts, seq, typ, flags, value, dur = struct.unpack_from('<QIHHdI', b, hs + i * rs)
        if ts < 946684800000 or ts > created + DAY: continue
        if math.isnan(value) or math.isinf(value): continue
        if ts // DAY < now // DAY - 400: continue
        stored.setdefault((pat, dev, ts, seq, typ), (typ, value, dur))
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
