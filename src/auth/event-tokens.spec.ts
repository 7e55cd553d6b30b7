import { parseConfig } from '../config/config.schema';
import { EVENT_TOKEN_TTL_S, EventTokens } from './event-tokens';

const config = (secret: string) => parseConfig({ NODE_ENV: 'test', SESSION_SECRET: secret });
const grant = { jobId: '6f1c2f4e-9d7a-4b8e-a1f0-3c2d1e0f9a8b', keyId: '0123456789abcdef' };

describe('event tokens', () => {
  const tokens = new EventTokens(config('a'.repeat(40)));

  it('grant what they were issued for, until they expire', () => {
    const now = Date.now();
    const { token, expiresAt } = tokens.issue(grant, now);
    expect(tokens.verify(token, now)).toMatchObject({ ...grant, expiresAt });
    expect(tokens.verify(token, now + EVENT_TOKEN_TTL_S * 1000 - 1000)).toBeDefined();
    expect(tokens.verify(token, now + EVENT_TOKEN_TTL_S * 1000 + 1000)).toBeUndefined();
  });

  it('are refused when changed, cut, or signed with another secret', () => {
    const { token } = tokens.issue(grant);
    const [payload, mac] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ j: 'another-order', k: grant.keyId, e: 4102444800 })).toString('base64url');
    expect(tokens.verify(`${widened}.${mac}`)).toBeUndefined();
    expect(tokens.verify(payload)).toBeUndefined();
    expect(tokens.verify(`${token}.extra`)).toBeUndefined();
    expect(tokens.verify('')).toBeUndefined();
    expect(new EventTokens(config('b'.repeat(40))).verify(token)).toBeUndefined();
    // Every replica with the same SESSION_SECRET accepts it.
    expect(new EventTokens(config('a'.repeat(40))).verify(token)).toBeDefined();
  });
});
