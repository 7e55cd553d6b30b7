import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { deniedRange } from './address-policy';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; node's resolver unless a test gives another. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** What the proxy does with one connection. */
export type Verdict =
  /** Connect to exactly this address, the one that was checked. */
  | { kind: 'allow'; endpoint: string; address: string; family: number }
  /** A policy decision: the submission ends `blocked_by_policy`. */
  | { kind: 'block'; endpoint: string; reason: string }
  /** Not a policy matter (the name does not resolve): the browser sees a failed connection. */
  | { kind: 'fail'; endpoint: string; reason: string };

/**
 * `host:port` as the proxy sees a connection: host normalised as URL does (lower case, punycode,
 * IPv6 in brackets), port explicit. A CONNECT carries no scheme, so endpoints, not origins, are
 * compared; an http and an https origin on one host and port are the same endpoint.
 */
export function endpointOf(url: URL): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** The endpoint of a proxy request's target (CONNECT gives hosts un-normalised, IPv6 maybe bare). */
export function targetEndpoint(hostname: string, port: number): string | undefined {
  const host = isIP(hostname) === 6 ? `[${hostname}]` : hostname;
  try {
    return endpointOf(new URL(`http://${host}:${port}/`));
  } catch {
    return undefined;
  }
}

/** The origins a catalogue row lets the browser reach: its form, and its "is it listed?" check. */
export function catalogueUrls(row: { submitUrl: string; verifyUrl?: string | null }): URL[] {
  const urls: URL[] = [];
  try {
    const submit = new URL(row.submitUrl);
    urls.push(submit);
    // Resolved the way PlaywrightSubmitter.isListed resolves it; a template that puts {website}
    // in the host names no fixed origin and adds none.
    if (row.verifyUrl) urls.push(new URL(row.verifyUrl, submit));
  } catch {
    // an unparseable URL allows nothing
  }
  return urls;
}

/**
 * Which connections a worker's browser may open: only to catalogue endpoints, and only to public
 * unicast addresses, except for the endpoints exempted for the local sandbox. The answer names the
 * one address that was checked, so the proxy connects there and a second DNS answer (rebinding)
 * never comes into it.
 */
export class EgressPolicy {
  constructor(
    private readonly endpoints: ReadonlySet<string>,
    private readonly privateAllowed: ReadonlySet<string>,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  static fromCatalogue(
    rows: Array<{ submitUrl: string; verifyUrl?: string | null }>,
    privateOrigins: readonly string[],
    resolve?: Resolver,
  ): EgressPolicy {
    const endpoints = new Set(rows.flatMap(catalogueUrls).map(endpointOf).filter((e): e is string => !!e));
    const exempt = new Set(privateOrigins.map((o) => endpointOf(new URL(o))).filter((e): e is string => !!e));
    return new EgressPolicy(endpoints, exempt, resolve);
  }

  get size(): number {
    return this.endpoints.size;
  }

  async check(hostname: string, port: number): Promise<Verdict> {
    const endpoint = targetEndpoint(hostname, port);
    if (!endpoint) return { kind: 'block', endpoint: `${hostname}:${port}`, reason: 'not a valid host' };
    if (!this.endpoints.has(endpoint)) return { kind: 'block', endpoint, reason: 'not a catalogue origin' };

    const bare = hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: ResolvedAddress[];
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
    else {
      try {
        addresses = await this.resolve(bare);
      } catch (err) {
        return { kind: 'fail', endpoint, reason: `cannot resolve ${bare}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
      }
    }
    if (!addresses.length) return { kind: 'fail', endpoint, reason: `${bare} has no address` };
    if (this.privateAllowed.has(endpoint)) return { kind: 'allow', endpoint, ...addresses[0] };
    const usable = addresses.find((a) => !deniedRange(a.address));
    if (usable) return { kind: 'allow', endpoint, ...usable };
    return { kind: 'block', endpoint, reason: `resolves to ${addresses[0].address} (${deniedRange(addresses[0].address)})` };
  }
}
