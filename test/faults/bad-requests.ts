import type { CustomerField } from '../../src/customers/customer-fields';
import { CUSTOMER_LIMITS } from '../../src/customers/customer-limits';
import { CUSTOMER } from '../support/api-app';

const NAME_MAX = CUSTOMER_LIMITS.businessName.max;

/** One hostile or mistaken request and the 4xx it must get. */
export interface BadRequest {
  name: string;
  method: 'GET' | 'POST';
  /** Under /api/v1; `{customer}` and `{job}` are replaced by ids that exist. */
  path: string;
  /** A string or bytes are sent as they are; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** The field the problem's `errors` must name, when the request had a field to blame. */
  field?: string;
}

/** Strings that look like attacks but are legitimate text: stored and typed verbatim, never run. */
export const INJECTION_LOOKING = [
  `Robert'); DROP TABLE customers;--`,
  `<script>alert("x")</script><img src=x onerror=alert(1)>`,
  `{{7*7}} \${7*7} #{7*7} %s %n %x`,
  `../../etc/passwd`,
  `' OR '1'='1`,
];

const json = (fields: Record<string, unknown>) => ({ ...CUSTOMER, ...fields });
const order = (fields: Record<string, unknown>) => ({ customerId: '{customer}', directoryIds: ['sandbox-0001'], ...fields });

export const BAD_REQUESTS: BadRequest[] = [
  // Bodies that are not the JSON object asked for.
  { name: 'truncated JSON', method: 'POST', path: '/customers', body: '{"businessName": "Caf', status: 400 },
  { name: 'objects nested 10,000 deep', method: 'POST', path: '/jobs', body: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), status: 400 },
  { name: 'arrays nested 10,000 deep', method: 'POST', path: '/customers', body: '['.repeat(10_000) + ']'.repeat(10_000), status: 400 },
  { name: 'a 2 MB body', method: 'POST', path: '/customers', body: JSON.stringify(json({ description: 'x'.repeat(2_000_000) })), status: 413 },
  { name: 'form encoding', method: 'POST', path: '/customers', body: 'businessName=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
  { name: 'bytes that are not UTF-8', method: 'POST', path: '/customers', body: Uint8Array.from([...Buffer.from('{"businessName":"Caf'), 0xe9, ...Buffer.from('"}')]), status: 400 },
  { name: 'a JSON string', method: 'POST', path: '/jobs', body: '"sandbox-0001"', status: 400 },
  // Wrong types and ranges.
  { name: 'a number for a name', method: 'POST', path: '/customers', body: json({ businessName: 42 }), status: 400, field: 'businessName' },
  { name: 'an empty name', method: 'POST', path: '/customers', body: json({ businessName: '' }), status: 400, field: 'businessName' },
  { name: `a ${NAME_MAX + 1}-character name`, method: 'POST', path: '/customers', body: json({ businessName: 'é'.repeat(NAME_MAX + 1) }), status: 400, field: 'businessName' },
  { name: 'a lone surrogate in a name', method: 'POST', path: '/customers', body: json({ businessName: 'Lone \ud800 Co' }), status: 400, field: 'businessName' },
  { name: 'a NUL in a name', method: 'POST', path: '/customers', body: json({ businessName: 'Caf\u0000é' }), status: 400, field: 'businessName' },
  { name: 'a newline in a city', method: 'POST', path: '/customers', body: json({ city: 'Austin\nBcc: x@y.z' }), status: 400, field: 'city' },
  { name: 'a header injected into an email', method: 'POST', path: '/customers', body: json({ email: 'a@b.com\r\nBcc: x@y.z' }), status: 400, field: 'email' },
  { name: 'a javascript: website', method: 'POST', path: '/customers', body: json({ website: 'javascript:alert(1)' }), status: 400, field: 'website' },
  { name: 'a file: website', method: 'POST', path: '/customers', body: json({ website: 'file:///etc/passwd' }), status: 400, field: 'website' },
  { name: 'SQL in a phone number', method: 'POST', path: '/customers', body: json({ phone: "'; DROP TABLE customers;--" }), status: 400, field: 'phone' },
  { name: 'an unknown field', method: 'POST', path: '/customers', body: json({ isAdmin: true }), status: 400, field: 'isAdmin' },
  { name: 'a __proto__ field', method: 'POST', path: '/customers', body: `{"__proto__":{"isAdmin":true},${JSON.stringify(CUSTOMER).slice(1)}`, status: 400, field: '__proto__' },
  { name: 'SQL as a customer id', method: 'POST', path: '/jobs', body: order({ customerId: "1' OR '1'='1" }), status: 400, field: 'customerId' },
  { name: 'priority 0', method: 'POST', path: '/jobs', body: order({ priority: 0 }), status: 400, field: 'priority' },
  { name: 'priority 5', method: 'POST', path: '/jobs', body: order({ priority: 5 }), status: 400, field: 'priority' },
  { name: 'priority as a string', method: 'POST', path: '/jobs', body: order({ priority: '1' }), status: 400, field: 'priority' },
  { name: 'a fractional priority', method: 'POST', path: '/jobs', body: order({ priority: 1.5 }), status: 400, field: 'priority' },
  { name: 'a package of 75', method: 'POST', path: '/jobs', body: { customerId: '{customer}', packageSize: 75 }, status: 400, field: 'packageSize' },
  { name: 'a directory list as a string', method: 'POST', path: '/jobs', body: order({ directoryIds: 'sandbox-0001' }), status: 400, field: 'directoryIds' },
  { name: 'a path as a directory id', method: 'POST', path: '/jobs', body: order({ directoryIds: ['../../etc/passwd'] }), status: 400, field: 'directoryIds' },
  { name: 'SQL as a directory id', method: 'POST', path: '/jobs', body: order({ directoryIds: ["sandbox-0001' OR 1=1--"] }), status: 400, field: 'directoryIds' },
  { name: 'a repeated directory', method: 'POST', path: '/jobs', body: order({ directoryIds: ['sandbox-0001', 'sandbox-0001'] }), status: 400, field: 'directoryIds' },
  { name: '501 directories', method: 'POST', path: '/jobs', body: order({ directoryIds: Array.from({ length: 501 }, (_, i) => `sandbox-${i}`) }), status: 400, field: 'directoryIds' },
  { name: 'an unknown directory', method: 'POST', path: '/jobs', body: order({ directoryIds: ['no-such-directory'] }), status: 422 },
  { name: 'an unknown customer', method: 'POST', path: '/jobs', body: order({ customerId: '00000000-0000-4000-8000-000000000000' }), status: 404 },
  { name: 'an Idempotency-Key of 300 characters', method: 'POST', path: '/jobs', body: order({}), headers: { 'idempotency-key': 'k'.repeat(300) }, status: 400, field: 'Idempotency-Key' },
  // Query strings and paths.
  { name: 'SQL in a status filter', method: 'GET', path: "/jobs?status=queued'%20OR%201=1--", status: 400, field: 'status' },
  { name: 'a forged cursor', method: 'GET', path: '/jobs?cursor=eyJpZCI6IjEnIE9SIDE9MSJ9', status: 400, field: 'cursor' },
  { name: 'a path as a job id', method: 'GET', path: '/jobs/..%2F..%2Fetc%2Fpasswd', status: 404 },
  { name: 'a NUL as a job id', method: 'GET', path: '/jobs/%00', status: 400, field: 'id' },
  { name: 'a query value that is not UTF-8', method: 'GET', path: '/jobs?status=qu%E9ued', status: 400, field: 'status' },
  { name: 'an unknown action', method: 'POST', path: '/jobs/{job}/explode', status: 404 },
];

/**
 * Exactly `length` UTF-16 units (so at most `length` characters, the API's measure) mixing scripts,
 * emoji and a combining accent, starting with `prefix`; padded with dots rather than cutting an
 * emoji's surrogate pair in half.
 */
export function longName(prefix: string, length: number = NAME_MAX): string {
  const unit = ' Ωmega café e\u0301 🍕';
  let name = prefix;
  while (name.length + unit.length <= length) name += unit;
  return name.padEnd(length, '.');
}

/**
 * A customer whose every field is awkward yet valid: emoji (with a ZWJ sequence and an astral
 * letter), RTL text and marks, combining characters, injection-looking text, a name as long as allowed.
 * No carriage returns: an HTML textarea turns CRLF and CR into LF, so those cannot survive a form.
 */
export function awkwardCustomer(website: string): Record<CustomerField, string> {
  return {
    businessName: longName(INJECTION_LOOKING[0]),
    email: 'zoë+ünïcode@exämple.com',
    phone: '+49 (30) 123-456.7',
    website,
    address: `\u202Bشارع الملك فهد\u202C 12, ${INJECTION_LOOKING[4]}`,
    city: 'Zu\u0308rich 👩‍👩‍👧',
    state: '𝕳𝖊𝖘𝖘𝖊𝖓',
    zip: '8001',
    country: 'CH',
    category: 'Restaurant',
    description: `${INJECTION_LOOKING.join('\n')}\nשלום \u200F(עברית)\u200F — ｆｕｌｌ ｗｉｄｔｈ — a\u0301\u0302\u0303\n🏳️‍🌈 end`,
  };
}
