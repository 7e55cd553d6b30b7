import { deniedRange } from './address-policy';

describe('deniedRange', () => {
  it.each([
    ['127.0.0.1', 'ipv4 loopback'],
    ['127.255.0.9', 'ipv4 loopback'],
    ['10.1.2.3', 'ipv4 private'],
    ['172.16.0.1', 'ipv4 private'],
    ['172.31.255.255', 'ipv4 private'],
    ['192.168.1.1', 'ipv4 private'],
    ['169.254.169.254', 'ipv4 linkLocal'],
    ['100.64.0.1', 'ipv4 carrierGradeNat'],
    ['0.0.0.0', 'ipv4 unspecified'],
    ['224.0.0.1', 'ipv4 multicast'],
    ['255.255.255.255', 'ipv4 broadcast'],
    ['::1', 'ipv6 loopback'],
    ['::', 'ipv6 unspecified'],
    ['fc00::', 'ipv6 uniqueLocal'],
    ['fd00:ec2::254', 'ipv6 uniqueLocal'],
    ['fe80::', 'ipv6 linkLocal'],
    ['fe80::1%lo', 'ipv6 linkLocal'],
    ['ff02::1', 'ipv6 multicast'],
    ['::ffff:127.0.0.1', 'ipv4 loopback'],
    ['::ffff:7f00:1', 'ipv4 loopback'],
    ['::ffff:169.254.169.254', 'ipv4 linkLocal'],
    ['::ffff:10.0.0.1', 'ipv4 private'],
    ['2002:7f00:1::', 'ipv6 6to4'],
    ['64:ff9b::7f00:1', 'ipv6 rfc6052'],
  ])('refuses %s (%s)', (address, range) => {
    expect(deniedRange(address)).toBe(range);
  });

  // Every IPv6 form that carries an IPv4 address, each with a private IPv4 inside: none may reach it.
  it.each([
    // IPv4-compatible ::/96 (deprecated; automatic tunnelling sends it to the IPv4 address it carries)
    ['::7f00:1', 'ipv6 ipv4Compatible'],
    ['::a00:1', 'ipv6 ipv4Compatible'],
    ['::a9fe:a9fe', 'ipv6 ipv4Compatible'],
    ['0:0:0:0:0:0:7f00:1', 'ipv6 ipv4Compatible'],
    ['::0.0.0.2', 'ipv6 ipv4Compatible'],
    // the dotted form is how node's lookup prints an AAAA record in ::/96: IPv4-compatible, not
    // IPv4-mapped (ipaddr.js on its own reads ::a.b.c.d as ::ffff:a.b.c.d, and let ::8.8.8.8 through)
    ['::127.0.0.1', 'ipv6 ipv4Compatible'],
    ['::10.0.0.1', 'ipv6 ipv4Compatible'],
    ['::8.8.8.8', 'ipv6 ipv4Compatible'],
    ['::808:808', 'ipv6 ipv4Compatible'],
    ['::7f00:1%eth0', 'ipv6 ipv4Compatible'],
    // ::/128 and ::1/128 lie inside ::/96 and keep their own names
    ['0::0', 'ipv6 unspecified'],
    ['0:0:0:0:0:0:0:1', 'ipv6 loopback'],
    // IPv4-mapped, in every spelling (the kernel connects to the IPv4 address)
    ['::ffff:a00:1', 'ipv4 private'],
    ['0:0:0:0:0:ffff:192.168.0.1', 'ipv4 private'],
    ['::FFFF:7F00:1', 'ipv4 loopback'],
    ['::ffff:0.0.0.0', 'ipv4 unspecified'],
    // IPv4-translated ::ffff:0:0:0/96 (SIIT)
    ['::ffff:0:7f00:1', 'ipv6 rfc6145'],
    ['::ffff:0:10.0.0.1', 'ipv6 rfc6145'],
    // NAT64: the well-known prefix and the local-use one
    ['64:ff9b::a00:1', 'ipv6 rfc6052'],
    ['64:ff9b::192.168.0.1', 'ipv6 rfc6052'],
    ['64:ff9b:1::a9fe:a9fe', 'ipv6 rfc6052'],
    // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
    ['2002:a00:1::1', 'ipv6 6to4'],
    ['2002:c0a8:1::', 'ipv6 6to4'],
    ['2002:a9fe:a9fe::1', 'ipv6 6to4'],
    // Teredo: 2001:0::/32 carries the server's IPv4 and the client's, inverted
    ['2001:0:7f00:1::', 'ipv6 teredo'],
    ['2001:0:a00:1:0:0:f5ff:fffe', 'ipv6 teredo'],
    ['2001::1', 'ipv6 teredo'],
  ])('refuses the IPv4-carrying IPv6 address %s (%s)', (address, range) => {
    expect(deniedRange(address)).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '::1:0:0:1', '2001:4860:4860::8888'])('lets the public address %s through', (address) => {
    expect(deniedRange(address)).toBeUndefined();
  });

  describe('for an exempt (sandbox) origin', () => {
    it.each(['127.0.0.1', '127.0.0.2', '10.1.2.3', '172.16.0.1', '192.168.1.1', '::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '93.184.216.34', '2606:4700::1111'])(
      'lets loopback, private and public %s through',
      (address) => expect(deniedRange(address, { privateAllowed: true })).toBeUndefined(),
    );

    it.each([
      ['169.254.169.254', 'ipv4 linkLocal'],
      ['::ffff:169.254.169.254', 'ipv4 linkLocal'],
      ['fe80::1', 'ipv6 linkLocal'],
      ['0.0.0.0', 'ipv4 unspecified'],
      ['::', 'ipv6 unspecified'],
      ['::ffff:0.0.0.0', 'ipv4 unspecified'],
      ['100.64.0.1', 'ipv4 carrierGradeNat'],
      ['224.0.0.1', 'ipv4 multicast'],
      ['255.255.255.255', 'ipv4 broadcast'],
      ['240.0.0.1', 'ipv4 reserved'],
      ['ff02::1', 'ipv6 multicast'],
      ['::7f00:1', 'ipv6 ipv4Compatible'],
      ['::127.0.0.1', 'ipv6 ipv4Compatible'],
      ['64:ff9b::7f00:1', 'ipv6 rfc6052'],
      ['2002:7f00:1::', 'ipv6 6to4'],
      ['2001:0:7f00:1::', 'ipv6 teredo'],
    ])('still refuses %s (%s)', (address, range) => {
      expect(deniedRange(address, { privateAllowed: true })).toBe(range);
    });
  });

  it('refuses what is not an address at all', () => {
    expect(deniedRange('localhost')).toBe('not an IP address');
    expect(deniedRange('2130706433')).toBe('not an IP address');
  });
});
