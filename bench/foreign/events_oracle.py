#!/usr/bin/env python3
"""Independent oracle of the stored event set for a directory of MDMP/1 dumps (mdmp_reader.py).
Prints {"patient|device": [[timestamp, seq, type, flags, value-bits-hex, duration], ...]} sorted."""
import struct, sys, json
from mdmp_reader import stored_events
d, now = sys.argv[1], int(sys.argv[2])
stored = {k: (flags, struct.pack('<d', value).hex(), dur) for k, (flags, value, dur) in stored_events(d, now).items()}
out = {}
for (pat, dev, ts, seq, typ), (flags, bits, dur) in sorted(stored.items()):
    out.setdefault(f'{pat}|{dev}', []).append([ts, seq, typ, flags, bits, dur])
print(json.dumps(out))
