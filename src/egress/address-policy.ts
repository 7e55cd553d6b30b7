import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IPv4-compatible IPv6 (RFC 4291 2.5.5.1, deprecated): `::a.b.c.d`, which a host with automatic
 * tunnelling (sit) sends to the IPv4 address it carries. ipaddr.js calls it `unicast` apart from
 * `::` and `::1`, which it names first.
 */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * What an exempt origin (EGRESS_PRIVATE_ORIGINS, a directory site run locally) may reach besides public
 * unicast: loopback and private networks. Not link-local (169.254.169.254 is the cloud metadata
 * service), not the unspecified address (0.0.0.0 and :: reach this host's own services), and no
 * IPv6 form that carries an IPv4 address.
 */
const PRIVATE_RANGES: ReadonlySet<string> = new Set(['ipv4 loopback', 'ipv4 private', 'ipv6 loopback', 'ipv6 uniqueLocal']);

/**
 * The address the kernel connects to, parsed. ipaddr.js reads the dotted IPv6 form `::a.b.c.d` as
 * IPv4-mapped (`::ffff:a.b.c.d`) where inet_pton reads it as IPv4-compatible (`::a.b.c.d` is how
 * node's lookup prints an AAAA record of ::808:808), so an IPv6 address goes through the WHATWG
 * parser first, which reads it as the kernel does and writes it in hex. The zone (`%eth0`) says
 * which interface, not which address: it is dropped.
 */
function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (isIP(address) === 4) return ipaddr.parse(address);
  const hex = new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  return ipaddr.process(hex);
}

/** The named range `address` is in, as `ipv4 loopback`, `ipv6 unicast` and the like. */
export function addressRange(address: string): string | undefined {
  if (!isIP(address)) return undefined;
  // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel: process() judges the IPv4 address it carries.
  const parsed = parse(address);
  const range = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE)) return 'ipv6 ipv4Compatible';
  return `${parsed.kind()} ${range}`;
}

/**
 * Why a worker's browser may not connect to `address`, or undefined when it may: an ordinary
 * public unicast address, and with `privateAllowed` (an exempt origin) also loopback and private.
 *
 * An allowlist rather than a list of forbidden ranges: ipaddr.js names every special range
 * (loopback, RFC 1918 private, link-local with the 169.254.169.254 metadata service, 100.64/10
 * CGNAT, 0/8, multicast, broadcast, reserved; ::, ::1, fc00::/7, fe80::/10, and the IPv6 forms
 * that embed an IPv4 address: 6to4 2002::/16, Teredo 2001::/32, NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, IPv4-translated ::ffff:0:0:0/96), IPv4-compatible ::/96 is named above, and
 * anything not called `unicast` is refused, so a range we forgot to list cannot slip through.
 */
export function deniedRange(address: string, { privateAllowed = false } = {}): string | undefined {
  const range = addressRange(address);
  if (!range) return 'not an IP address';
  if (range === 'ipv4 unicast' || range === 'ipv6 unicast') return undefined;
  if (privateAllowed && PRIVATE_RANGES.has(range)) return undefined;
  return range;
}
