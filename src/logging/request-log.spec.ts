import { LOG_LIMITS, REDACTED, TRUNCATED } from './logging.constants';
import { accessLineLevel, logSafeHeaders, logSafeUrl, requestForLog } from './request-log';

const TOKEN = `eyJqIjoiYSJ9.${'S'.repeat(43)}`;

describe('logSafeUrl', () => {
  it('cuts a 64 KB hostile URL to the cap, marked, with its full length', () => {
    const url = `/api/v1/health?${'a.'.repeat(32 * 1024)}`;
    const logged = logSafeUrl(url);
    expect(logged.url.length).toBe(LOG_LIMITS.url + TRUNCATED.length);
    expect(logged.url.endsWith(TRUNCATED)).toBe(true);
    expect(logged.urlLength).toBe(url.length);
    // What is logged does not grow with what was sent.
    expect(logSafeUrl(`/api/v1/health?${'a.'.repeat(512 * 1024)}`).url).toBe(logged.url);
  });

  it('leaves a URL within the cap as it is', () => {
    const url = '/api/v1/jobs?status=failed&page=2&sortKey=created';
    expect(logSafeUrl(url)).toEqual({ url });
  });

  it.each([
    ['an event token', `/api/v1/jobs/1/events?token=${encodeURIComponent(TOKEN)}`, `/api/v1/jobs/1/events?token=${REDACTED}`],
    ['API keys', '/api/v1/jobs?api_key=bl_live_x&apikey=y&key=z&x-api-key=w', `/api/v1/jobs?api_key=${REDACTED}&apikey=${REDACTED}&key=${REDACTED}&x-api-key=${REDACTED}`],
    ['session ids', '/staff?sid=a&boltline.sid=s%3Ab&sessionid=c&page=1', `/staff?sid=${REDACTED}&boltline.sid=${REDACTED}&sessionid=${REDACTED}&page=1`],
    ['a %-encoded name', '/x?access%5Ftoken=abc', `/x?access%5Ftoken=${REDACTED}`],
    ['any capitalisation', '/x?Token=abc&API_KEY=d', `/x?Token=${REDACTED}&API_KEY=${REDACTED}`],
  ])('replaces %s in the query string', (_, url, logged) => {
    expect(logSafeUrl(url).url).toBe(logged);
  });

  it('replaces a credential whose value the cap cut short', () => {
    const url = `/api/v1/jobs/1/events?pad=${'p'.repeat(LOG_LIMITS.url - 60)}&token=${TOKEN}`;
    const logged = logSafeUrl(url).url;
    expect(logged).toContain(`&token=${REDACTED}${TRUNCATED}`);
    expect(logged).not.toContain('eyJ');
  });
});

describe('logSafeHeaders', () => {
  it('cuts long values and names, and counts what the budget leaves out', () => {
    const headers: Record<string, string> = { 'user-agent': 'u'.repeat(10_000), ['x'.repeat(1000)]: 'v' };
    for (let i = 0; i < 100; i++) headers[`x-filler-${i}`] = 'f'.repeat(400);
    const logged = logSafeHeaders(headers);
    expect(logged.headers['user-agent']).toBe(`${'u'.repeat(LOG_LIMITS.headerValue)}${TRUNCATED}`);
    expect(logged.headers[`${'x'.repeat(LOG_LIMITS.headerName)}${TRUNCATED}`]).toBe('v');
    const size = Object.entries(logged.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThanOrEqual(LOG_LIMITS.headers);
    expect(logged.headersNotLogged).toBe(102 - Object.keys(logged.headers).length);
  });

  it('replaces credential headers', () => {
    const logged = logSafeHeaders({ 'x-api-key': 'bl_live_abc', 'x-auth-token': 't', authorization: 'Bearer k', cookie: 'boltline.sid=s', accept: 'text/html' });
    expect(logged.headers).toEqual({ 'x-api-key': REDACTED, 'x-auth-token': REDACTED, authorization: REDACTED, cookie: REDACTED, accept: 'text/html' });
  });

  it('joins a repeated header only as far as it can be logged', () => {
    const logged = logSafeHeaders({ 'x-forwarded-for': Array.from({ length: 10_000 }, () => '10.0.0.1') });
    expect(logged.headers['x-forwarded-for'].length).toBeLessThanOrEqual(LOG_LIMITS.headerValue + TRUNCATED.length);
  });
});

describe('requestForLog', () => {
  it('logs no parsed query or params: they would repeat the URL uncut and unredacted', () => {
    const logged = requestForLog({ id: 7, method: 'GET', url: `/x?token=${TOKEN}`, headers: {}, remoteAddress: '127.0.0.1', remotePort: 5 });
    expect(logged).toEqual({ id: 7, method: 'GET', url: `/x?token=${REDACTED}`, headers: {}, remoteAddress: '127.0.0.1', remotePort: 5 });
  });
});

describe('accessLineLevel', () => {
  it('warns for a 503, marks other 5xx and errors as errors, and leaves the rest at info', () => {
    expect([200, 201, 304, 401, 404, 429].map((s) => accessLineLevel(s))).toEqual(Array(6).fill('info'));
    expect(accessLineLevel(503)).toBe('warn');
    expect([500, 502, 504].map((s) => accessLineLevel(s))).toEqual(['error', 'error', 'error']);
    expect(accessLineLevel(200, new Error('socket hang up'))).toBe('error');
  });
});
