/**
 * What the extension makes of a lease's definition before it opens a tab: whether it can fill
 * the form at all (the subset of the adapter language it implements, extension/README.md), and
 * every field's value, worked out the way the fleet's engine does (src/engine/values.ts), so a
 * value the customer lacks refuses the listing before the directory sees any of it.
 */

const TARGET_KINDS = ['css', 'label', 'placeholder', 'role', 'testId'];
const FIELD_KINDS = ['fill', 'select', 'select-text', 'radio', 'check', 'date'];

/**
 * @returns {{ unsupported: string } | { missing: string } | { steps: Array<{ step: object, values: Array<{ skip: true } | { skip: false, value: string }> }>, notes: string[] }}
 */
export function planLease(adapter, values) {
  const unsupported = unsupportedPart(adapter);
  if (unsupported) return { unsupported: `the extension cannot fill this form: ${unsupported}` };
  const missing = new Set();
  const problems = [];
  const notes = [];
  const steps = adapter.steps.map((step) => ({
    step,
    values: step.fields.map((f) => {
      const raw = rawValue(f, values);
      if ('missing' in raw) {
        if (!f.optional) raw.missing.forEach((n) => missing.add(n));
        return { skip: true };
      }
      const formatted = f.format ? formatValue(f.format, raw.value) : { value: raw.value };
      if ('problem' in formatted) {
        problems.push(formatted.problem);
        return { skip: true };
      }
      let value = formatted.value;
      if (f.kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) problems.push(`${nameOf(f)} "${value}" is not a date (YYYY-MM-DD)`);
      if (f.maxLength !== undefined && value.length > f.maxLength) {
        notes.push(`${nameOf(f)} trimmed from ${value.length} to ${f.maxLength} characters`);
        value = truncate(value, f.maxLength);
      }
      return { skip: false, value };
    }),
  }));
  if (missing.size) return { missing: `customer has no ${[...missing].join(', ')}` };
  if (problems.length) return { missing: problems.join('; ') };
  return { steps, notes };
}

/** The first part of the definition this extension does not implement, said so a person can act on it. */
function unsupportedPart(adapter) {
  if (adapter.code) return `it is a code adapter (${adapter.code}), which only the fleet's workers run`;
  if (adapter.login) return 'it signs in first (login), which the extension does not do';
  if (!adapter.steps?.length) return 'it has no steps';
  if (adapter.steps.length > 1) return `it has ${adapter.steps.length} steps; the extension fills one-page forms only`;
  for (const step of adapter.steps) {
    if (step.press) return `its step sends with a key press (press: ${step.press}); the extension needs an advance button for the person to press`;
    const targets = [...(step.dismiss ?? []), ...(step.click ?? []), ...step.fields.map((f) => f.target), ...(step.check ?? []), step.advance];
    for (const t of targets) {
      if (!TARGET_KINDS.some((k) => k in t)) return `a target it does not know (${JSON.stringify(t)})`;
      if (t.frame) return `a target inside an iframe (${t.frame}), which the extension does not reach into`;
    }
    for (const f of step.fields) {
      if (!FIELD_KINDS.includes(f.kind ?? 'fill')) return `a field of kind ${f.kind} (the extension fills ${FIELD_KINDS.join(', ')})`;
      if (f.credential !== undefined) return 'a field with a stored credential';
    }
  }
  return undefined;
}

function nameOf(f) {
  return f.field ?? (f.template !== undefined ? `template "${f.template}"` : 'a constant');
}

function rawValue(f, values) {
  if (f.const !== undefined) return { value: f.const };
  if (f.template !== undefined) {
    const names = [...f.template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    const missing = names.filter((n) => !values[n]?.trim());
    if (missing.length) return { missing };
    return { value: f.template.replace(/\{([^{}]*)\}/g, (_, n) => values[n].trim()) };
  }
  const value = values[f.field] ?? '';
  return value.trim() ? { value } : { missing: [f.field] };
}

/** The first `max` UTF-16 units (what an input's maxlength counts), never half a surrogate pair. */
export function truncate(value, max) {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The engine's formats (src/engine/values.ts formatValue): phone digits / E.164, country code / English name. */
function formatValue(format, value) {
  if (format === 'digits') {
    const digits = value.replace(/\D/g, '');
    return digits ? { value: digits } : { problem: `phone "${value}" has no digits` };
  }
  if (format === 'e164') {
    const t = value.trim();
    const digits = t.replace(/\D/g, '');
    const national = t.startsWith('+') ? digits : t.startsWith('00') ? digits.slice(2) : undefined;
    if (national === undefined) return { problem: `phone "${value}" has no country code (+...), so it cannot be written as E.164` };
    if (national.length < 7 || national.length > 15) return { problem: `phone "${value}" is not 7 to 15 digits long with its country code` };
    return { value: `+${national}` };
  }
  const code = countryCode(value);
  if (!code) return { problem: `country "${value}" is not a country name or ISO 3166 code the extension knows` };
  return { value: format === 'iso2' ? code : regions().of(code) };
}

const NOT_COUNTRIES = /^(AA|EU|EZ|UN|ZZ|Q[M-Z]|X[A-JL-Z])$/;
const ALIASES = { usa: 'US', 'u.s.a.': 'US', 'u.s.': 'US', 'united states of america': 'US', america: 'US', uk: 'GB', 'u.k.': 'GB', 'great britain': 'GB', britain: 'GB', england: 'GB', scotland: 'GB', wales: 'GB' };
let regionNames;
const regions = () => (regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }));
const nameKey = (s) => s.trim().toLowerCase().replace(/\s+/g, ' ');

function countryCode(value) {
  const t = value.trim();
  if (/^[A-Za-z]{2}$/.test(t) && !NOT_COUNTRIES.test(t.toUpperCase()) && regions().of(t.toUpperCase())) return t.toUpperCase();
  if (ALIASES[nameKey(t)]) return ALIASES[nameKey(t)];
  for (let i = 0; i < 26 * 26; i++) {
    const code = String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26));
    if (!NOT_COUNTRIES.test(code) && regions().of(code) && nameKey(regions().of(code)) === nameKey(t)) return code;
  }
  return undefined;
}
