import { serverClock } from './server-clock';

describe('serverClock', () => {
  const sentAt = Date.parse('2026-01-01T12:00:00.000Z');

  it('counts the time left on the server clock from when the request left, never later than meant', () => {
    // This machine runs 30 s behind the server: the server's 12:00:30 is this machine's 12:00:00.
    const clock = serverClock(sentAt, 'Thu, 01 Jan 2026 12:00:30 GMT');
    // 5 s left by the server's clock, less the second Date's resolution may hide.
    expect(clock('2026-01-01T12:00:35.000Z')).toBe(sentAt + 4000);
  });

  it('takes the clocks to agree without a readable Date header', () => {
    expect(serverClock(sentAt, null)('2026-01-01T12:00:05.000Z')).toBe(sentAt + 5000);
    expect(serverClock(sentAt, 'not a date')('2026-01-01T12:00:05.000Z')).toBe(sentAt + 5000);
  });
});
