import type { FieldMapping, FormAdapterDefinition, FormStep } from '../directories/definition/adapter.schema';
import { templateFields } from '../directories/definition/step.schema';
import type { ListingValues } from './listing-submitter';
import { describeTarget } from './targets';

/** One field's value, ready to type; `skip`: optional and the customer has none. */
export type PreparedValue = { skip: true } | { skip: false; value: string };

export type PreparedValues =
  | { ok: true; steps: PreparedValue[][]; login: PreparedValue[][]; notes: string[] }
  | { ok: false; message: string };

/** A directory's stored sign-in values, by name; opened only for the attempt that signs in. */
export type Credentials = Readonly<Record<string, string>>;

/** Why a definition with `login` cannot run: nothing stored to sign in with. */
export const NEEDS_CREDENTIALS = 'directory needs credentials: store them with PUT /api/v1/directories/:id/credentials';

/** How a field is named in logs and messages: its customer field, its credential's name, or the control it fills. */
export function valueName(f: FieldMapping): string {
  return f.field ?? (f.credential !== undefined ? `credential ${f.credential}` : `the value for ${describeTarget(f.target)}`);
}

/**
 * Every value of every step, worked out before the site is touched: a value the definition needs
 * and the customer lacks fails the whole attempt here ("customer has no phone"), so a directory
 * never receives half a listing; so does a sign-in without stored credentials. Trims to the
 * definition's maxLength are returned as notes for the log. `credentials` are read only by the
 * login steps' fields.
 */
export function prepareValues(adapter: FormAdapterDefinition, values: ListingValues, credentials?: Credentials): PreparedValues {
  if (adapter.login && !credentials) return { ok: false, message: NEEDS_CREDENTIALS };
  const missing = new Set<string>();
  const unstored = new Set<string>();
  const problems: string[] = [];
  const notes: string[] = [];
  const prepare = (steps: FormStep[], creds: Credentials | undefined) =>
    steps.map((step) =>
      step.fields.map((f): PreparedValue => {
        const raw = rawValue(f, values, creds);
        if ('missing' in raw) {
          if (!f.optional) for (const name of raw.missing) (f.credential !== undefined ? unstored : missing).add(name);
          return { skip: true };
        }
        const formatted = f.format ? formatValue(f.format, raw.value) : { value: raw.value };
        if ('problem' in formatted) {
          problems.push(formatted.problem);
          return { skip: true };
        }
        let value = formatted.value;
        // A credential is never quoted: the message would carry it.
        if (f.kind === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) problems.push(`${valueName(f)} ${f.credential !== undefined ? '' : `"${value}" `}is not a date (YYYY-MM-DD)`);
        if (f.maxLength !== undefined) {
          const trimmed = truncate(value, f.maxLength);
          if (trimmed !== value) notes.push(trimNote(valueName(f), value, trimmed));
          value = trimmed;
        }
        return { skip: false, value };
      }),
    );
  const login = prepare(adapter.login?.steps ?? [], credentials);
  const steps = prepare(adapter.steps, undefined);
  if (unstored.size) return { ok: false, message: `the directory's stored credentials have no ${[...unstored].join(', ')}: store them with PUT /api/v1/directories/:id/credentials` };
  if (missing.size) return { ok: false, message: `customer has no ${[...missing].join(', ')}` };
  if (problems.length) return { ok: false, message: problems.join('; ') };
  return { ok: true, steps, login, notes };
}

function rawValue(f: FieldMapping, values: ListingValues, credentials: Credentials | undefined): { value: string } | { missing: string[] } {
  if (f.const !== undefined) return { value: f.const };
  if (f.credential !== undefined) {
    // Outside login steps the map is not passed: a credential there (refused by the schema) finds nothing.
    const value = credentials && Object.hasOwn(credentials, f.credential) ? credentials[f.credential] : '';
    return value ? { value } : { missing: [f.credential] };
  }
  if (f.template !== undefined) {
    const names = templateFields(f.template);
    const missing = names.filter((n) => !values[n]?.trim());
    if (missing.length) return { missing };
    return { value: f.template.replace(/\{([^{}]*)\}/g, (_, n: string) => values[n].trim()) };
  }
  const field = f.field as string;
  const value = values[field] ?? '';
  return value.trim() ? { value } : { missing: [field] };
}

/** "description trimmed from 812 to 500 characters" */
export function trimNote(name: string, before: string, after: string): string {
  return `${name} trimmed from ${before.length} to ${after.length} characters`;
}

/** The first `max` UTF-16 units (what an input's maxlength counts), never half a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** Whether a check field's value ticks the box: anything but empty, no, false, off, 0, n. */
export function isTicked(value: string): boolean {
  return !/^\s*(no|n|false|off|0)?\s*$/i.test(value);
}

export function formatValue(format: NonNullable<FieldMapping['format']>, value: string): { value: string } | { problem: string } {
  switch (format) {
    case 'digits': {
      const digits = value.replace(/\D/g, '');
      return digits ? { value: digits } : { problem: `phone "${value}" has no digits` };
    }
    case 'e164': {
      const t = value.trim();
      const digits = t.replace(/\D/g, '');
      const national = t.startsWith('+') ? digits : t.startsWith('00') ? digits.slice(2) : undefined;
      if (national === undefined) return { problem: `phone "${value}" has no country code (+...), so it cannot be written as E.164` };
      if (national.length < 7 || national.length > 15) return { problem: `phone "${value}" is not 7 to 15 digits long with its country code` };
      return { value: `+${national}` };
    }
    case 'iso2':
    case 'name': {
      const code = countryCode(value);
      if (!code) return { problem: `country "${value}" is not a country name or ISO 3166 code Boltline knows` };
      return { value: format === 'iso2' ? code : (regionNames().of(code) as string) };
    }
  }
}

/** Codes the ICU data names that are not countries (the EU, the UN, private-use codes). */
const NOT_COUNTRIES = /^(AA|EU|EZ|UN|ZZ|Q[M-Z]|X[A-JL-Z])$/;
const ALIASES: Record<string, string> = {
  usa: 'US',
  'u.s.a.': 'US',
  'u.s.': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u.k.': 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
};

let names: Intl.DisplayNames | undefined;
let byName: Map<string, string> | undefined;
const regionNames = () => (names ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }));
const nameKey = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** The ISO 3166-1 alpha-2 code of a country written as its code or its English name, or undefined. */
export function countryCode(value: string): string | undefined {
  if (!byName) {
    byName = new Map(Object.entries(ALIASES));
    const A = 'A'.charCodeAt(0);
    for (let i = 0; i < 26 * 26; i++) {
      const code = String.fromCharCode(A + Math.floor(i / 26), A + (i % 26));
      const name = NOT_COUNTRIES.test(code) ? undefined : regionNames().of(code);
      if (name) byName.set(nameKey(name), code);
    }
  }
  const t = value.trim();
  if (/^[A-Za-z]{2}$/.test(t) && !NOT_COUNTRIES.test(t.toUpperCase()) && regionNames().of(t.toUpperCase())) return t.toUpperCase();
  return byName.get(nameKey(t));
}
