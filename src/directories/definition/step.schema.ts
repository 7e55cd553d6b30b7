import { z } from 'zod';
import { CUSTOMER_FIELDS } from '../../customers/customer-fields';
import { MAX_TEXT, text, textOrRegex } from './rules';

/** The form side of a definition: targets, the fields that fill them, and the steps they make. */

/** Roles a `{ role }` target may name (ARIA roles of the controls and containers forms are made of). */
export const TARGET_ROLES = [
  'button', 'checkbox', 'combobox', 'dialog', 'form', 'group', 'link', 'listbox', 'menuitem', 'option', 'radio',
  'radiogroup', 'region', 'searchbox', 'spinbutton', 'switch', 'tab', 'tabpanel', 'textbox',
] as const;

const frame = text('frame').optional().meta({ description: 'CSS selector of the <iframe> the element is in; left out: the page itself.' });
const exact = z
  .boolean({ error: 'exact must be true or false' })
  .optional()
  .meta({
    description:
      'true: the text must match exactly (case and all). Left out: case, surrounding and doubled whitespace, a trailing colon and a required marker (`*`, `(required)`) are ignored.',
  });

export const waitForSchema = z
  .object({
    selector: text('waitFor.selector').optional(),
    text: textOrRegex('waitFor.text').optional(),
    url: textOrRegex('waitFor.url').optional(),
  })
  .strict()
  .refine((w) => w.selector || w.text || w.url, { error: 'waitFor needs a selector, a text or a url' })
  .meta({ description: 'What must show after this step\'s button before the next step starts (multi-page forms). Every key given must hold.' });

export const targetSchema = z
  .union(
    [
      z.object({ css: text('css'), frame }).strict(),
      z.object({ label: text('label'), exact, frame }).strict(),
      z.object({ placeholder: text('placeholder'), exact, frame }).strict(),
      z
        .object({
          role: z.enum(TARGET_ROLES, { error: `role must be one of ${TARGET_ROLES.join(', ')}` }),
          name: text('name').optional().meta({ description: 'Its accessible name (label, aria-label or text); left out: the first element with that role.' }),
          exact,
          frame,
        })
        .strict(),
      z.object({ testId: text('testId').meta({ description: 'Its data-testid attribute.' }), frame }).strict(),
    ],
    {
      error:
        'a target is one of { css }, { label }, { placeholder }, { role, name }, { testId }; label, placeholder and role may add exact: true; any may add frame: "<CSS of the iframe>"',
    },
  )
  .meta({ description: 'How to find an element: a CSS selector, the text of its <label>, its placeholder, its ARIA role and accessible name, or its data-testid; optionally inside an iframe.' });

export const FIELD_KINDS = ['fill', 'select', 'select-text', 'radio', 'check', 'date', 'upload'] as const;
/** Value sources that are files, not text: allowed only with kind upload (and upload takes only these). */
export const FILE_FIELDS = ['logo'] as const;
const FIELD_NAMES = [...CUSTOMER_FIELDS, ...FILE_FIELDS] as const;
export const VALUE_FORMATS = ['digits', 'e164', 'iso2', 'name'] as const;
const PHONE_FORMATS: readonly string[] = ['digits', 'e164'];
const COUNTRY_FORMATS: readonly string[] = ['iso2', 'name'];

/** `{address}, {city} {zip}` -> ['address', 'city', 'zip']. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
}

const template = text('template')
  .refine((t) => templateFields(t).every((name) => (CUSTOMER_FIELDS as readonly string[]).includes(name)), {
    error: (issue) => {
      const unknown = templateFields(String(issue.input)).filter((name) => !(CUSTOMER_FIELDS as readonly string[]).includes(name));
      return `template names unknown customer field(s) ${unknown.map((n) => `{${n}}`).join(', ')}; known: ${CUSTOMER_FIELDS.join(', ')}`;
    },
  })
  .meta({ description: 'Text with customer fields in braces, e.g. "{address}, {city} {zip}".' });

export const fieldSchema = z
  .object({
    field: z
      .enum(FIELD_NAMES, { error: `field must be one of ${CUSTOMER_FIELDS.join(', ')}, or logo (with kind: upload)` })
      .optional()
      .meta({ description: "The customer field whose value goes in; logo: the customer's logo file (kind: upload only)." }),
    const: z
      .string({ error: 'const must be text' })
      .min(1, 'const must not be empty')
      .max(MAX_TEXT, `const must be at most ${MAX_TEXT} characters`)
      .optional()
      .meta({ description: 'A fixed value, the same for every customer (e.g. "Other").' }),
    template: template.optional(),
    credential: z
      .string({ error: 'credential must be the name of a stored credential value, e.g. password' })
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/, 'credential must be the name of a stored credential value (a letter followed by up to 31 letters, digits or underscores), e.g. password')
      .optional()
      .meta({ description: "Only in login steps: the directory's stored credential value of this name (PUT /api/v1/directories/:id/credentials), e.g. username or password." }),
    target: targetSchema,
    kind: z
      .enum(FIELD_KINDS, {
        error:
          'kind must be fill (type the text), select (the option whose value or label matches), select-text (the option whose visible text matches), radio (the radio in the group whose label or value matches), check (tick the checkbox when the value is yes/true/on/1, untick when no/false/off/0) date (a date input, YYYY-MM-DD) or upload (a file input: the customer\'s logo, with field: logo)',
      })
      .default('fill'),
    optional: z
      .boolean({ error: 'optional must be true or false' })
      .optional()
      .meta({ description: "true: skipped when the customer's value is empty. Left out: an empty value fails the row before the site is touched." }),
    maxLength: z
      .int({ error: 'maxLength must be a whole number from 1 to 100000' })
      .min(1, 'maxLength must be a whole number from 1 to 100000')
      .max(100_000, 'maxLength must be a whole number from 1 to 100000')
      .optional()
      .meta({ description: "Trim the value to this many characters (the input's own maxlength attribute is honoured anyway); the trim is noted in the row's log." }),
    format: z
      .enum(VALUE_FORMATS, { error: 'format must be digits or e164 (with field: phone), iso2 or name (with field: country)' })
      .optional()
      .meta({ description: 'digits / e164: the phone as digits only or as +<country code><number>; iso2 / name: the country as its ISO 3166 code (US) or its English name (United States).' }),
  })
  .strict()
  .superRefine((f, ctx) => {
    const sources = (['field', 'const', 'template', 'credential'] as const).filter((k) => f[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of field, const, template or (in login steps) credential (found ${sources.length ? sources.join(' and ') : 'none'})` });
    }
    if (f.field === 'logo' && f.kind !== 'upload') {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'field: logo is a file: give it kind: upload' });
    }
    if (f.kind === 'upload' && f.field !== 'logo') {
      ctx.addIssue({ code: 'custom', path: ['field'], message: "kind upload puts a file into a file input: its value is field: logo (the customer's logo)" });
    }
    // A stored secret is typed as stored: trimmed, it would be a value the worker's redactor does not know.
    if (f.credential !== undefined && f.maxLength !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'maxLength does not apply to a credential: it is typed as stored' });
    }
    if (f.kind === 'upload' && f.maxLength !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'maxLength applies to text, not to an upload' });
    }
    if (f.format && PHONE_FORMATS.includes(f.format) && f.field !== 'phone') {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `format ${f.format} applies to field: phone` });
    }
    if (f.format && COUNTRY_FORMATS.includes(f.format) && f.field !== 'country') {
      ctx.addIssue({ code: 'custom', path: ['format'], message: `format ${f.format} applies to field: country` });
    }
  })
  .meta({ description: 'Puts one value (a customer field, a constant, a template or, in login steps, a stored credential) into one form control.' });

export const stepSchema = z
  .object({
    dismiss: z
      .array(targetSchema)
      .max(10, 'a step dismisses at most 10 things')
      .optional()
      .meta({ description: 'Clicked if they appear within a few seconds (a cookie banner, a pop-up); absent is fine.' }),
    click: z
      .array(targetSchema)
      .max(10, 'a step clicks at most 10 things before filling')
      .optional()
      .meta({ description: 'Clicked in order before the fields are filled (a tab, a "Add your business" link).' }),
    fields: z.array(fieldSchema).max(100, 'a step has at most 100 fields').default([]),
    check: z.array(targetSchema).max(20, 'a step ticks at most 20 checkboxes').optional().meta({ description: 'Checkboxes to tick on this step (terms, "I own this business").' }),
    advance: targetSchema.optional().meta({ description: "The button that leaves this step; on the last step, the irreversible submit button." }),
    press: z
      .string({ error: 'press must be a key name such as Enter' })
      .regex(/^[A-Za-z0-9]+(\+[A-Za-z0-9]+)*$/, 'press must be a key name such as Enter or Control+Enter')
      .optional()
      .meta({ description: "Instead of advance: press this key in the step's last field (e.g. Enter)." }),
    waitFor: waitForSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.advance === undefined) === (s.press === undefined)) {
      // Named where the fix goes: the missing advance, or the press that should not be there too.
      ctx.addIssue({ code: 'custom', path: [s.advance === undefined ? 'advance' : 'press'], message: 'give exactly one of advance (a button to click) or press (a key to press in the last field)' });
    }
    if (s.press !== undefined && s.fields.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['press'], message: 'press needs a field on the step to press it in' });
    }
  });

