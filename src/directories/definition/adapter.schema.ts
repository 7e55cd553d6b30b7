import { z } from 'zod';
import { CUSTOMER_FIELDS } from '../../customers/customer-fields';
import { CODE_ADAPTER_NAMES, type CodeAdapterName } from './code-adapter-names';

/**
 * A directory's adapter is data, not code: it tells the form runner how to put a customer's
 * listing into one directory's web form and how to read the page's answer. This schema is the one
 * source of truth for what a definition may say: the API, the catalogue file and the dashboard
 * validate against it, and GET /api/v1/directories/schema publishes it as JSON Schema.
 *
 * `version` is the format's version. A change that would make a stored definition mean something
 * else gets a new version and a migration of the stored definitions; adding an optional key does not.
 */
export const ADAPTER_FORMAT_VERSION = 1;

const MAX_TEXT = 2000;
const text = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_TEXT, `${what} must be at most ${MAX_TEXT} characters`);

/** Roles a `{ role }` target may name (ARIA roles of the controls and containers forms are made of). */
/**
 * A page of the directory: relative to the submit URL, or absolute with http(s). Never file:,
 * data: or chrome:, which a browser would open without the egress proxy.
 */
const pageUrl = (what: string) =>
  text(what).refine((u) => !/^[a-z][a-z0-9+.-]*:/i.test(u) || /^https?:\/\//i.test(u), {
    error: `${what} must be relative to the submit URL or an absolute http:// or https:// URL`,
  });

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

const regex = text('pattern').refine(
  (p) => {
    try {
      new RegExp(p, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a valid regular expression' },
);

/** "/.../" is a case-insensitive regular expression; anything else is text to look for (case-insensitive). */
const textOrRegex = (what: string) =>
  text(what).refine(
    (p) => {
      if (!(p.length > 2 && p.startsWith('/') && p.endsWith('/'))) return true;
      try {
        new RegExp(p.slice(1, -1), 'i');
        return true;
      } catch {
        return false;
      }
    },
    { error: 'not a valid regular expression between the slashes' },
  );

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

const httpStatus = z.int({ error: 'status must be a whole number' }).min(100, 'status must be 100..599').max(599, 'status must be 100..599');

export const outcomeSchema = z
  .object({
    selectors: z.array(text('selector')).min(1, 'give at least one selector').max(20).optional().meta({
      description: 'Any of these CSS selectors being visible.',
    }),
    text: textOrRegex('text').optional().meta({
      description: 'The visible text of the page contains this (case-insensitive), or matches it when written /like this/.',
    }),
    url: textOrRegex('url').optional().meta({
      description: "The page's URL contains this, or matches it when written /like this/ (a redirect to /thanks?id=...).",
    }),
    status: z
      .union([httpStatus, z.array(httpStatus).min(1).max(20)], { error: 'status is an HTTP status or a list of them' })
      .optional()
      .meta({ description: 'The HTTP status of the page the submit led to (the last navigation), one of these.' }),
  })
  .strict()
  .refine((o) => o.selectors || o.text || o.url || o.status !== undefined, {
    error: 'give at least one of selectors, text, url, status',
  })
  .meta({ description: 'How to recognise this outcome. Every key given must hold (selectors: any one of them).' });

const captureSchema = z
  .object({
    selector: text('capture.selector').optional().meta({ description: "Read the reference from this element's text." }),
    pattern: regex.optional().meta({ description: 'A regular expression with one group: the group is the reference. Without it, the whole text.' }),
    from: z.enum(['text', 'url'], { error: 'from is text (the page) or url (the address the page ended on)' }).optional().meta({
      description: "Where to look when there is no selector: the success text (default) or the page's URL.",
    }),
  })
  .strict()
  .refine((c) => c.selector || c.pattern, { error: 'capture needs a selector, a pattern or both' })
  .meta({ description: 'Keeps a confirmation/reference number from the success page with the result.' });

const searchSchema = z
  .object({
    url: pageUrl('verify.search.url')
      .refine((u) => [...u.matchAll(/\{(\w+)\}/g)].every((m) => (CUSTOMER_FIELDS as readonly string[]).includes(m[1])), {
        error: `a {placeholder} must be a customer field (${CUSTOMER_FIELDS.join(', ')})`,
      })
      .meta({
      description: 'A public search or listing page (relative to the submit URL); {field} is replaced by the URL-encoded customer field.',
    }),
    found: z
      .object({ text: textOrRegex('verify.search.found.text').optional(), selector: text('verify.search.found.selector').optional() })
      .strict()
      .refine((f) => f.text || f.selector, { error: 'found needs a text or a selector' })
      .meta({ description: 'What that page shows when the business is listed; a page that loads without it means not listed.' }),
  })
  .strict();

const verifySchema = z
  .object({
    url: pageUrl('verify.url').optional().meta({
      description: 'URL (relative to the submit URL) answering JSON {"listed": boolean}; {website} is replaced by the URL-encoded website.',
    }),
    search: searchSchema.optional().meta({ description: "Checks the site's own search page instead of a JSON endpoint." }),
  })
  .strict()
  .refine((v) => v.url || v.search, { error: 'verify needs a url or a search' });

const timeoutsSchema = z
  .object({
    stepMs: z.int().min(1000, 'stepMs is at least 1000').optional().meta({ description: 'Longest wait for one step; capped by the worker.' }),
    submitMs: z.int().min(1000, 'submitMs is at least 1000').optional().meta({ description: 'Longest whole attempt; capped by SUBMIT_TIMEOUT_MS.' }),
  })
  .strict()
  .meta({ description: "This directory's own time limits; they only ever shorten the worker's." });

/** Politeness: how hard the whole fleet may press one directory. Without it, as hard as the workers go. */
const perDirectoryLimit = (what: string) => z.int({ error: `${what} must be a whole number` }).min(1, `${what} must be at least 1`);
export const limitsSchema = z
  .object({
    concurrent: perDirectoryLimit('limits.concurrent').optional().meta({ description: 'At most this many submissions to this directory at once, over all workers.' }),
    perMinute: perDirectoryLimit('limits.perMinute').optional().meta({ description: 'At most this many submissions to this directory started in any 60 seconds, over all workers.' }),
  })
  .strict()
  .meta({ description: 'Limits that hold across every worker process; a limited submission waits its turn (not counted as an attempt).' });

export const loginSchema = z
  .object({
    url: pageUrl('login.url').optional().meta({
      description: 'The sign-in page, absolute or relative to the submit URL; left out: the submit URL itself (a site that shows its sign-in there).',
    }),
    steps: z.array(stepSchema).min(1, 'give at least one login step').max(5, 'at most 5 login steps').meta({
      description: 'The sign-in form, in the same step shape as the listing form; its fields may take credential: "<name>".',
    }),
    success: outcomeSchema.optional().meta({
      description: 'What the page shows once signed in; not shown within a step timeout: "sign-in failed" (retried). Left out: the form steps start right away.',
    }),
  })
  .strict()
  .meta({
    description:
      "Signs in before the form steps, with the directory's stored credentials (PUT /api/v1/directories/:id/credentials). Without stored credentials the row fails before the site is touched.",
  });


/** Keys a code adapter does without: its module fills the form and reads the answer itself. */
const FORM_ONLY_KEYS = ['success', 'failure', 'capture', 'serverErrorMeans', 'login'] as const;

const adapterObject = z
  .object({
    version: z.literal(ADAPTER_FORMAT_VERSION, { error: `version must be ${ADAPTER_FORMAT_VERSION} (the adapter format this Boltline reads)` }),
    description: z.string().max(MAX_TEXT).optional().meta({ description: 'Notes for people; the runner ignores it.' }),
    steps: z.array(stepSchema).min(1, 'give at least one step').max(20, 'at most 20 steps').optional().meta({
      description: 'The form, step by step, for the runner to fill. Exactly one of steps and code.',
    }),
    code: z
      .enum(CODE_ADAPTER_NAMES, { error: `code must name one of this Boltline's code adapters: ${CODE_ADAPTER_NAMES.join(', ')}` })
      .optional()
      .meta({
        description:
          'Instead of steps: the name of a code adapter (a TypeScript module shipped with Boltline) for a site the steps cannot describe. It fills the form and reads the answer itself, so success, failure, capture and serverErrorMeans do not apply; verify, limits, timeouts and permanentFailures do.',
      }),
    success: outcomeSchema.optional().meta({ description: 'What the page shows once the listing was accepted. Required with steps.' }),
    failure: outcomeSchema.optional().meta({ description: "What the page shows when it refused; the element's text is recorded as the reason. Required with steps." }),
    permanentFailures: z
      .array(regex)
      .max(50)
      .default([])
      .meta({ description: 'Failure texts (case-insensitive regular expressions) a retry cannot fix; a match fails the row at once instead of retrying.' }),
    verify: verifySchema
      .optional()
      .meta({ description: 'A read-only "is this business listed here?" check, used after a crash left an outcome unknown.' }),
    limits: limitsSchema.optional(),
    capture: captureSchema.optional(),
    serverErrorMeans: z
      .enum(['unknown', 'not-recorded'], { error: 'serverErrorMeans is unknown (the default) or not-recorded' })
      .optional()
      .meta({
        description:
          'What a 5xx answer to the final submit means. unknown (default): the listing may have been taken; the next attempt verifies, or staff review. not-recorded: the site records nothing on a 5xx; retry like any error.',
      }),
    timeouts: timeoutsSchema.optional(),
    login: loginSchema.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.steps && a.code) {
      // Which one is meant is not ours to guess: the rest follows once one is removed.
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'give exactly one of steps (a form the runner fills) or code (a code adapter by name), not both' });
      return;
    }
    if (!a.steps && !a.code) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'give the form\'s steps (or code: the name of a code adapter)' });
    }
    if (a.code) {
      for (const key of FORM_ONLY_KEYS) {
        if (a[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} does not apply to a code adapter (its module reads the answer itself): remove it` });
      }
    } else {
      for (const key of ['success', 'failure'] as const) {
        if (a[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required with steps (what the page shows when it ${key === 'success' ? 'accepted' : 'refused'})` });
      }
    }
    // Credentials go only where the sign-in is: never typed into a listing form, which the directory publishes.
    for (const [i, step] of (a.steps ?? []).entries()) {
      for (const [j, f] of step.fields.entries()) {
        if (f.credential !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, 'fields', j, 'credential'], message: 'credential values are only allowed in login.steps (the sign-in form), never in the listing form' });
        }
      }
    }
  });

type ParsedAdapter = z.output<typeof adapterObject>;
type SharedKeys = Omit<ParsedAdapter, 'steps' | 'code' | (typeof FORM_ONLY_KEYS)[number]>;

/** A definition the form runner interprets: steps, and the rules that read the answer. */
export type FormAdapterDefinition = SharedKeys &
  Pick<ParsedAdapter, 'capture' | 'serverErrorMeans' | 'login'> & { steps: FormStep[]; success: OutcomeRule; failure: OutcomeRule; code?: undefined };

/** A definition run by a code adapter (src/workers/browser/code-adapters), named by `code`. */
export type CodeAdapterDefinition = SharedKeys & { code: CodeAdapterName; steps?: undefined; success?: undefined; failure?: undefined; capture?: undefined; serverErrorMeans?: undefined; login?: undefined };

/** The checks above make every parsed definition one of the two; the cast tells TypeScript so. */
export const adapterSchema = adapterObject.transform((a) => a as FormAdapterDefinition | CodeAdapterDefinition);

/** A definition as stored and run: defaults filled in. */
export type AdapterDefinition = z.output<typeof adapterSchema>;
/** A definition as written by a person: defaults may be left out. */
export type AdapterInput = z.input<typeof adapterSchema>;
export type FormStep = z.output<typeof stepSchema>;
export type FieldMapping = z.output<typeof fieldSchema>;
export type Target = z.output<typeof targetSchema>;
export type DirectoryLimits = z.output<typeof limitsSchema>;
export type OutcomeRule = z.output<typeof outcomeSchema>;
export type WaitForRule = z.output<typeof waitForSchema>;
export type CaptureRule = z.output<typeof captureSchema>;
export type SearchRule = z.output<typeof searchSchema>;
export type LoginRule = z.output<typeof loginSchema>;
