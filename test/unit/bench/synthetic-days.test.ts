import { decodeDump } from '../../../lambdas/core/dump';
import { Compression, decodePage, encodePage, valueCode } from '../../../lambdas/core/page/codec';
import { pageBody } from '../../../bench/page-codec';
import { denseDayDump, foreignLikeDay } from '../../../bench/synthetic-days';

describe('synthetic days', () => {
  it('folds generated days into one dense device-day with distinct identities in time order', () => {
    const { bytes, day } = denseDayDump(20_000);
    const dump = decodeDump(bytes);
    expect(dump.events.length).toBe(20_000);
    expect(dump.days.map((d) => d.dayNumber)).toEqual([day]);
    const ids = new Set<string>();
    for (let k = 0; k < dump.events.length; k++) ids.add(`${dump.events.msOfDay[k]}|${dump.events.seq[k]}`);
    expect(ids.size).toBe(20_000);
  });

  it('shapes foreign-like days as the Python writer does, a third of the values stored raw', () => {
    const events = foreignLikeDay(1, 3000);
    let raw = 0;
    for (let i = 0; i < events.length; i++) if (valueCode(events.value[i]!) === 7) raw++;
    expect(raw / events.length).toBeGreaterThan(0.25);
    expect(raw / events.length).toBeLessThan(0.45);
    expect(decodePage(encodePage(events)).length).toBe(3000);
  });

  it('finds the body of an uncompressed page after its header', () => {
    const events = foreignLikeDay(2, 300);
    const page = encodePage(events, { compression: Compression.none });
    const body = pageBody(page);
    expect(page.length - body.length).toBeLessThanOrEqual(2 + 2 * 3);
    expect(body.length).toBeGreaterThan(300 * 6);
  });
});
