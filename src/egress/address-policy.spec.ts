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

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111'])('lets the public address %s through', (address) => {
    expect(deniedRange(address)).toBeUndefined();
  });

  it('refuses what is not an address at all', () => {
    expect(deniedRange('localhost')).toBe('not an IP address');
    expect(deniedRange('2130706433')).toBe('not an IP address');
  });
});
