import { FaultInjector } from '../../../../local/faults/injector';
import { NO_FAULTS, parseFaultSpec } from '../../../../local/faults/spec';

describe('FaultInjector.notifications', () => {
  it('repeats every notification s3-duplicate times, shuffled, and counts the extra copies', () => {
    const injector = new FaultInjector(parseFaultSpec('s3-duplicate=3'), 7);
    const objects = ['a', 'b', 'c', 'd', 'e'];
    const sent = injector.notifications(objects);

    expect([...sent].sort()).toEqual(objects.flatMap((o) => [o, o, o]).sort());
    expect(sent).not.toEqual(objects.flatMap((o) => [o, o, o]));
    expect(injector.log.duplicateNotifications).toBe(10);
  });

  it('sends each notification once, in order, without the fault', () => {
    const injector = new FaultInjector(NO_FAULTS);
    expect(injector.notifications(['a', 'b'])).toEqual(['a', 'b']);
    expect(injector.log.duplicateNotifications).toBe(0);
  });

  it('shuffles the same way for the same seed', () => {
    const spec = parseFaultSpec('s3-duplicate=2');
    const objects = Array.from({ length: 20 }, (_, i) => i);
    expect(new FaultInjector(spec, 5).notifications(objects)).toEqual(
      new FaultInjector(spec, 5).notifications(objects),
    );
  });
});
