import { REDACTED, Redactor } from './redact';

it('takes every stored value out of text and errors, as typed, JSON-, URL- and form-encoded', () => {
  const r = new Redactor();
  expect(r.text('nothing to hide')).toBe('nothing to hide');
  r.add(['s3cret "pass" word', 'owner@example.com', '']);
  expect(r.text('fill("s3cret \\"pass\\" word") for owner@example.com')).toBe(`fill("${REDACTED}") for ${REDACTED}`);
  expect(r.text('/login?user=owner%40example.com&password=s3cret+%22pass%22+word')).toBe(`/login?user=${REDACTED}&password=${REDACTED}`);
  expect(r.text(undefined)).toBeUndefined();
  const err = r.error(new Error('locator.fill: Timeout\n  - fill("s3cret \\"pass\\" word")'));
  expect(err.message).not.toContain('s3cret');
  expect(err.stack).not.toContain('s3cret');
});
