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
 * The one spelling of a host name that the policy compares and resolves: as URL normalises it
 * (percent-decoded, lower case, IDNA to punycode, IPv4 in dotted decimal, IPv6 compressed hex),
 * without IPv6 brackets and without a trailing dot. Undefined when `hostname` is not a host alone
 * (a user, port, path or query in it would make URL read a different host than the one given).
 */
export function canonicalHost(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  const v6 = isIP(bare) === 6;
  if (!v6 && /[:/\\?#@\s]/.test(bare)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${v6 ? `[${bare}]` : bare}/`).hostname;
  } catch {
    return undefined;
  }
  if (v6) return host.slice(1, -1);
  // `dir.example.` is dir.example, absolute; a second dot (an empty label) is no host.
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host && !host.endsWith('.') ? host : undefined;
}

/** `host:port` of a canonical host, IPv6 in brackets. */
function endpointFor(host: string, port: number | string): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * `host:port` as the proxy sees a connection, host canonical (see canonicalHost), port explicit.
 * A CONNECT carries no scheme, so endpoints, not origins, are compared; an http and an https
 * origin on one host and port are the same endpoint.
 */
export function endpointOf(url: URL): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = canonicalHost(url.hostname);
  return host && endpointFor(host, url.port || (url.protocol === 'https:' ? '443' : '80'));
}

/**
 * A proxy request's target as the policy judges it: the canonical host, which is the name it
 * resolves, and the endpoint it compares. proxy-chain hands a CONNECT's host over as it came
 * (`new URL('connect://…')` leaves an opaque host alone: case, a trailing dot, percent-encoded
 * UTF-8), and a plain request's host as http URLs normalise it; both come out the same here.
 */
export function canonicalTarget(hostname: string, port: number): { host: string; endpoint: string } | undefined {
  const host = canonicalHost(hostname);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, endpoint: endpointFor(host, port) };
}

/** The endpoint of a proxy request's target (see canonicalTarget). */
export function targetEndpoint(hostname: string, port: number): string | undefined {
  return canonicalTarget(hostname, port)?.endpoint;
}

/** The origins a catalogue row lets the browser reach: its form, and its "is it listed?" check. */
export function catalogueUrls(row: { submitUrl: string; verifyUrl?: string | null; loginUrl?: string | null; searchUrl?: string | null }): URL[] {
  let submit: URL;
  try {
    submit = new URL(row.submitUrl);
  } catch {
    return []; // an unparseable submit URL allows nothing
  }
  const urls = [submit];
  // Each resolved the way the runner resolves it (isListed, the search page, login.url); a
  // template that puts a placeholder in the host names no fixed origin and adds none. One bad URL
  // drops only itself.
  for (const other of [row.verifyUrl, row.searchUrl, row.loginUrl]) {
    if (!other) continue;
    try {
      urls.push(new URL(other, submit));
    } catch {
      // allows nothing
    }
  }
  return urls;
}

/**
 * Which connections a worker's browser may open: only to catalogue endpoints, and only to public
 * unicast addresses, except that the endpoints exempted (EGRESS_PRIVATE_ORIGINS) may also reach
 * loopback and private ones. The answer names the one address that was checked, so the proxy
 * connects there and a second DNS answer (rebinding) never comes into it.
 */
export class EgressPolicy {
  constructor(
    private readonly endpoints: ReadonlySet<string>,
    private readonly privateAllowed: ReadonlySet<string>,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  static fromCatalogue(
    rows: Array<{ submitUrl: string; verifyUrl?: string | null; loginUrl?: string | null; searchUrl?: string | null }>,
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
    const target = canonicalTarget(hostname, port);
    if (!target) return { kind: 'block', endpoint: `${hostname}:${port}`, reason: 'not a valid host' };
    const { host, endpoint } = target;
    if (!this.endpoints.has(endpoint)) return { kind: 'block', endpoint, reason: 'not a catalogue origin' };

    // The name that was compared is the name that is resolved: one answer, whatever the spelling.
    let addresses: ResolvedAddress[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (err) {
        return { kind: 'fail', endpoint, reason: `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
      }
    }
    if (!addresses.length) return { kind: 'fail', endpoint, reason: `${host} has no address` };
    // An exempt endpoint may reach loopback and private addresses too, never the rest (link-local,
    // unspecified, IPv4 inside IPv6). Either way the answer is an address that passed, and the
    // proxy connects to it alone: the others never come into it.
    const range = { privateAllowed: this.privateAllowed.has(endpoint) };
    const usable = addresses.find((a) => !deniedRange(a.address, range));
    if (usable) return { kind: 'allow', endpoint, address: usable.address, family: isIP(usable.address) };
    return { kind: 'block', endpoint, reason: `resolves to ${addresses[0].address} (${deniedRange(addresses[0].address, range)})` };
  }
}
