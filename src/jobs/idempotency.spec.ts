import { requestHash } from './idempotency';

describe('requestHash', () => {
  it('ignores key order and undefined fields', () => {
    expect(requestHash({ a: 1, b: [1, 2], c: undefined })).toBe(requestHash({ b: [1, 2], a: 1 }));
  });
  it('tells different bodies apart', () => {
    expect(requestHash({ customerId: 'x', packageSize: 50 })).not.toBe(requestHash({ customerId: 'x', packageSize: 100 }));
    expect(requestHash({ ids: [1, 2] })).not.toBe(requestHash({ ids: [2, 1] }));
  });
});
