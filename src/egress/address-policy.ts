import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why a worker's browser may not connect to `address`, or undefined when it is an ordinary
 * public unicast address.
 *
 * An allowlist of one range rather than a list of forbidden ones: ipaddr.js names every special
 * range (loopback, RFC 1918 private, link-local with the 169.254.169.254 metadata service,
 * 100.64/10 CGNAT, 0/8, multicast, broadcast, reserved; ::1, fc00::/7, fe80::/10, and the IPv6
 * forms that embed an IPv4 address: 6to4, Teredo, NAT64), and anything it does not call
 * `unicast` is refused, so a range we forgot to list cannot slip through.
 */
export function deniedRange(address: string): string | undefined {
  if (!isIP(address)) return 'not an IP address';
  // ::ffff:127.0.0.1 is 127.0.0.1 to the kernel: judge the IPv4 address it carries.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${parsed.kind()} ${range}`;
}
