import { QueryRunnerProviderAlreadyReleasedError, QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './pg-errors';

describe('isDatabaseUnavailable', () => {
  it('knows a lost connection in its several shapes', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], Object.assign(new Error('terminating connection'), { code: '57P01' })))).toBe(true);
    // A database closed to new connections (its SQLSTATE, 55000, is shared with unrelated errors).
    expect(isDatabaseUnavailable(Object.assign(new Error('database "boltline" is not currently accepting connections'), { code: '55000' }))).toBe(true);
    // A transaction whose connection the driver dropped mid-way (seen with a frozen server).
    expect(isDatabaseUnavailable(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
  });

  it('leaves real query errors alone', () => {
    expect(isDatabaseUnavailable(new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isDatabaseUnavailable(new Error('the directory refused the listing'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
