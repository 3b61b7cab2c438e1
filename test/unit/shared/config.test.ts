import { configFrom } from '../../../lambdas/shared/config';

describe('configFrom', () => {
  it('names the missing variable when a required one is not set', () => {
    expect(() => configFrom({}).tableName).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        message: expect.stringContaining('TABLE_NAME is not set'),
      }),
    );
  });

  it('keeps the device-day lease at 120 s unless DAY_LEASE_MS says otherwise', () => {
    expect(configFrom({}).dayLeaseMs).toBe(120_000);
    expect(configFrom({ DAY_LEASE_MS: '20000' }).dayLeaseMs).toBe(20_000);
  });

  it('refuses a lease that is not a positive whole number of milliseconds', () => {
    expect(() => configFrom({ DAY_LEASE_MS: '2.5s' }).dayLeaseMs).toThrow(
      /DAY_LEASE_MS must be a positive integer, got "2.5s"/,
    );
  });
});
