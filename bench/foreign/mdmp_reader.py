"""The stored event set of a directory of MDMP/1 dumps, from the format contract alone: whole-dump
checks, record checks, expiry, and the first stored copy of an identity wins. Dumps are taken in
file-name order and records in dump order, as `dumpflow local --dumps` uploads them; the writer
(mdmp_writer.py) puts conflicting copies of an identity only inside one dump, so the stored set
does not depend on which of two concurrent dumps commits first. Shared by the two oracles."""
import math, os, struct, zlib
DAY = 86_400_000


def stored_events(directory, now):
    """{(patient, device, timestamp, seq, type): (flags, value, duration)} of the stored events."""
    stored = {}
    for name in sorted(os.listdir(directory)):
        b = open(os.path.join(directory, name), 'rb').read()
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
            stored.setdefault((pat, dev, ts, seq, typ), (flags, value, dur))
    return stored
