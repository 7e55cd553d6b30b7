import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EgressPolicy } from './egress-policy';

/** A connection the proxy refused, as the result row records it. */
export interface BlockedConnection {
  /** `host:port` the page tried to reach. */
  endpoint: string;
  reason: string;
}

/** What Playwright needs to put one browser context behind the proxy (its ProxySettings shape). */
export interface ContextProxy {
  server: string;
  bypass: string;
  username: string;
  password: string;
}

/**
 * One browser context's use of the egress proxy. The proxy is shared by every context of the
 * worker; the credentials the context answers the proxy's 407 with tell its connections apart,
 * so each refusal is recorded against the context that asked.
 */
export class EgressLease {
  readonly proxy: ContextProxy;
  /** Connections the proxy refused this context, by endpoint. */
  private readonly refused = new Map<string, BlockedConnection>();

  constructor(
    server: string,
    readonly policy: EgressPolicy,
    private readonly release: (lease: EgressLease) => void,
  ) {
    this.proxy = {
      server,
      // Chromium sends loopback straight out, never to a proxy, unless told otherwise.
      bypass: '<-loopback>',
      username: `ctx-${randomBytes(8).toString('hex')}`,
      password: randomBytes(18).toString('base64url'),
    };
  }

  accepts(password: string): boolean {
    const given = Buffer.from(password);
    const mine = Buffer.from(this.proxy.password);
    return given.length === mine.length && timingSafeEqual(given, mine);
  }

  /** Recorded by the proxy before it answers the refusal: whoever sees the refusal finds it here. */
  refuse(connection: BlockedConnection): void {
    this.refused.set(connection.endpoint, connection);
  }

  refusal(endpoint: string): BlockedConnection | undefined {
    return this.refused.get(endpoint);
  }

  /** The context is closed: its credentials open nothing any more. */
  end(): void {
    this.release(this);
  }
}
