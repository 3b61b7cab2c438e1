#!/usr/bin/env python3
"""Independent oracle of the stored event set for a directory of MDMP/1 dumps, from the format
contract alone (docs/format.md): whole-dump checks, record checks, expiry, first stored copy wins.
Dumps are taken in file-name order, records in dump order, as `dumpflow local --dumps` uploads
them; the writer (mdmp_writer.py) only puts conflicting copies of an identity inside one dump, so
the stored set does not depend on which of two concurrent dumps commits first.
Prints {"patient|device": [[timestamp, seq, type, flags, value-bits-hex, duration], ...]} sorted."""
import struct, sys, zlib, os, math, json
DAY = 86_400_000
d, now = sys.argv[1], int(sys.argv[2])
stored = {}
for name in sorted(os.listdir(d)):
    b = open(os.path.join(d, name), 'rb').read()
    if len(b) < 72 or b[0:4] != b'MDMP': continue
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
        stored.setdefault((pat, dev, ts, seq, typ), (flags, struct.pack('<d', value).hex(), dur))
out = {}
for (pat, dev, ts, seq, typ), (flags, bits, dur) in sorted(stored.items()):
    out.setdefault(f'{pat}|{dev}', []).append([ts, seq, typ, flags, bits, dur])
print(json.dumps(out))
