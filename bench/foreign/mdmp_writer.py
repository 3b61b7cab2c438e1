#!/usr/bin/env python3
"""usage: mdmp_writer.py OUT_DIR [PROCESSING_TIME_MS]

Independent MDMP/1 writer (written from the format contract only, no dumpflow code; docs/format.md describes the format).
Overlapping uploads of 3 patients, header 64 and 96 bytes, record sizes 32 and 40, unknown types,
record errors, expired records, exact repeats within and across dumps, conflicts (every identity
with two contents has exactly two copies, so counts do not depend on processing order), and two
malformed dumps (bad body CRC, truncated)."""
import random, struct, sys, zlib, os

DAY = 86_400_000
NOW = int(sys.argv[2]) if len(sys.argv) > 2 else 1_764_000_000_000  # processing time used with --now
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(20261129)
today = NOW // DAY

def header(device, patient, count, record_size, header_size, created):
    h = bytearray(64)
    h[0:4] = b'MDMP'
    struct.pack_into('<HHHHI', h, 4, 1, header_size, record_size, 0, count)
    h[16:16 + len(device)] = device.encode()
    h[32:32 + len(patient)] = patient.encode()
    struct.pack_into('<QI', h, 48, created, 4711)
    struct.pack_into('<I', h, 60, zlib.crc32(bytes(h[0:60])))
    return bytes(h) + b'\xAB' * (header_size - 64)  # gap bytes: covered by neither CRC

def record(ev, record_size):
    ts, seq, typ, flags, value, duration = ev
    r = struct.pack('<QIHHdII', ts, seq, typ, flags, value, duration, 0xDEADBEEF)
    return r + bytes((i * 7) & 0xFF for i in range(record_size - 32))

def dump(path, device, patient, events, record_size=32, header_size=64, created=NOW - 3_600_000):
    body = b''.join(record(e, record_size) for e in events)
    data = header(device, patient, len(events), record_size, header_size, created) + body
    data += b'MEND' + struct.pack('<I', zlib.crc32(body))
    with open(os.path.join(out, path), 'wb') as f:
        f.write(data)
    return data

def day_events(day, seq0, per_day=250):
    evs = []
    evs.append((day * DAY + 1_000 * rng.randrange(0, 3600), seq0, 1, 0, round(rng.uniform(6, 14), 2), rng.choice([3 * 3600, 5 * 3600, 6 * 3600 + 17])))
    for i in range(1, per_day):
        t = day * DAY + rng.randrange(0, DAY)
        typ = rng.choice([2, 3, 4, 4, 5, 5, 5, 6, 7, 8, 9, 10, 42, 300])
        value = {2: 0.0, 3: 0.0, 4: round(rng.uniform(0, 60), 3), 5: round(rng.uniform(4, 20), 2), 6: float(rng.randrange(85, 100)), 7: float(rng.randrange(1, 9))}.get(typ, rng.random())
        evs.append((t, (seq0 + i) & 0xFFFFFFFF, typ, rng.randrange(0, 4), value, rng.randrange(5, 60) if typ in (2, 3) else 0))
    return evs

devices = [('CPAP-0001', 'pat-A'), ('BiPAP~X!9', 'p.B/2'), ('DEV16CHARSXXXXXX', 'PATIENT16CHARSZZ')]
history = {}
for d, (device, patient) in enumerate(devices):
    days = {}
    for k in range(0, 60):
        day = today - 1 - k
        days[day] = day_events(day, (d * 1_000_000 + k * 1000 + 4_294_960_000) & 0xFFFFFFFF)
    history[device] = days

n = 0
for d, (device, patient) in enumerate(devices):
    days = sorted(history[device])
    # overlapping weekly uploads, then a 45-day one covering them
    for w in range(3):
        sel = days[-(7 + 5 * w):][:7]
        evs = [e for day in sel for e in history[device][day]]
        if w == 1:
            evs += evs[:40]  # exact repeats inside one dump
            rng.shuffle(evs)
        dump(f'{d}-week{w}.dump', device, patient, evs, record_size=40 if d == 1 else 32, header_size=96 if d == 2 else 64)
        n += 1
    sel = days[-45:]
    evs = [e for day in sel for e in history[device][day]]
    # conflicts: change content of 5 PRESSURE events that are only in this long dump (one copy before)
    weekly = set(e for w in range(3) for day in days[-(7 + 5 * w):][:7] for e in history[device][day])
    lone = [i for i, e in enumerate(evs) if e[2] == 5 and e not in weekly][:5]
    conflicted = []
    for i in lone:
        ts, seq, typ, flags, value, dur = evs[i]
        conflicted.append((ts, seq, typ, flags, value + 0.5, dur))
    evs += conflicted  # second copy of those identities, with other content
    # record errors and expired records
    evs.append((946_684_799_999, 1, 5, 0, 10.0, 0))                 # R_TIME_RANGE: before 2000
    evs.append((NOW - 3_600_000 + DAY + 1, 2, 5, 0, 10.0, 0))       # R_TIME_RANGE: after createdAt + 1 day
    evs.append((NOW - 5 * DAY, 3, 4, 0, float('nan'), 0))           # R_VALUE
    evs.append((NOW - 6 * DAY, 4, 4, 0, float('inf'), 0))           # R_VALUE
    for k in range(12):
        evs.append(((today - 401 - k) * DAY + 5_000, 10 + k, 2, 0, 0.0, 10))  # expired
    rng.shuffle(evs)
    dump(f'{d}-long.dump', device, patient, evs, record_size=40 if d == 0 else 32)
    n += 1

# malformed: bad body CRC, truncated
data = bytearray(open(os.path.join(out, '0-week0.dump'), 'rb').read())
data[100] ^= 0xFF
open(os.path.join(out, 'bad-crc.dump'), 'wb').write(bytes(data))
open(os.path.join(out, 'truncated.dump'), 'wb').write(bytes(data[:-50]))
print(f'{n + 2} dumps in {out}, processing time {NOW}')
