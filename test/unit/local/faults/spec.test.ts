import { formatFaultSpec, hasFaults, NO_FAULTS, parseFaultSpec } from '../../../../local/faults/spec';

describe('parseFaultSpec', () => {
  it('reads the issue example into per-fault settings', () => {
    expect(
      parseFaultSpec('throttle=0.3,unprocessed=0.3,s3-duplicate=3,redeliver=2,crash=0.05,ddb-restart=1'),
    ).toEqual({
      ...NO_FAULTS,
      throttle: 0.3,
      unprocessed: 0.3,
      s3Duplicate: 3,
      redeliver: 2,
      crash: 0.05,
      ddbRestart: 1,
    });
  });

  it('reads the parser crash, conflict and pause faults', () => {
    expect(parseFaultSpec('parser-crash=0.2,conflict=0.1,pause=0.05')).toEqual({
      ...NO_FAULTS,
      parserCrash: 0.2,
      conflict: 0.1,
      pause: 0.05,
    });
    expect(formatFaultSpec(parseFaultSpec('pause=0.05,parser-crash=0.2'))).toBe(
      'parser-crash=0.2,pause=0.05',
    );
  });

  it('leaves faults that are not named off, and tolerates spaces and a trailing comma', () => {
    expect(parseFaultSpec(' crash=0.1 , ')).toEqual({ ...NO_FAULTS, crash: 0.1 });
  });

  it.each([
    ['', 'E_FAULT_SPEC', /empty/],
    ['throttle', 'E_FAULT_SPEC', /"throttle" is not NAME=VALUE/],
    ['explode=1', 'E_FAULT_SPEC', /unknown fault "explode" \(known: throttle, unprocessed/],
    ['crash=0.1,crash=0.2', 'E_FAULT_SPEC', /"crash" is given twice/],
    ['throttle=1', 'E_FAULT_SPEC', /throttle=1: expected a fraction from 0 to 0.9/],
    ['throttle=-0.1', 'E_FAULT_SPEC', /expected a fraction/],
    ['redeliver=0', 'E_FAULT_SPEC', /redeliver=0: expected a whole number of deliveries from 1 to 10/],
    ['s3-duplicate=1.5', 'E_FAULT_SPEC', /expected a whole number of deliveries/],
    ['ddb-restart=x', 'E_FAULT_SPEC', /ddb-restart=x: expected a whole number from 0 to 10/],
    ['conflict=1', 'E_FAULT_SPEC', /conflict=1: expected a fraction from 0 to 0.9/],
  ])('refuses %j with a message that says what to write', (text, code, message) => {
    expect(() => parseFaultSpec(text)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
    expect(() => parseFaultSpec(text)).toThrow(/write --faults as a comma list such as throttle=0.3/);
  });
});

describe('formatFaultSpec', () => {
  it('round-trips the faults that are on, in a fixed order', () => {
    const spec = parseFaultSpec('redeliver=2,throttle=0.3');
    expect(formatFaultSpec(spec)).toBe('throttle=0.3,redeliver=2');
    expect(parseFaultSpec(formatFaultSpec(spec))).toEqual(spec);
    expect(hasFaults(spec)).toBe(true);
  });

  it('says none when nothing is injected', () => {
    expect(formatFaultSpec(parseFaultSpec('crash=0,ddb-restart=0'))).toBe('none');
    expect(hasFaults(NO_FAULTS)).toBe(false);
  });
});
