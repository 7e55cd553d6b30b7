import { z } from 'zod';
import { CUSTOMER_FIELDS } from '../../customers/customer-fields';

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
  .union([z.object({ css: text('css') }).strict(), z.object({ label: text('label') }).strict()], {
    error: 'a target is { css: "<CSS selector>" } or { label: "<the text of its label>" }',
  })
  .meta({ description: 'How to find an element: a CSS selector, or the visible text of its <label>.' });

export const fieldSchema = z
  .object({
    field: z.enum(CUSTOMER_FIELDS, { error: `field must be one of ${CUSTOMER_FIELDS.join(', ')}` }),
    target: targetSchema,
    kind: z
      .enum(['fill', 'select'], { error: 'kind must be fill (type the text) or select (pick the option whose value or label matches)' })
      .default('fill'),
  })
  .strict()
  .meta({ description: "Puts one customer field into one form control." });

export const stepSchema = z
  .object({
    fields: z.array(fieldSchema).max(100, 'a step has at most 100 fields').default([]),
    check: z.array(targetSchema).max(20, 'a step ticks at most 20 checkboxes').optional().meta({ description: 'Checkboxes to tick on this step (terms, "I own this business").' }),
    advance: targetSchema.meta({ description: "The button that leaves this step; on the last step, the irreversible submit button." }),
    waitFor: waitForSchema.optional(),
  })
  .strict();

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
    url: text('verify.search.url')
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
    url: text('verify.url').optional().meta({
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

export const adapterSchema = z
  .object({
    version: z.literal(ADAPTER_FORMAT_VERSION, { error: `version must be ${ADAPTER_FORMAT_VERSION} (the adapter format this Boltline reads)` }),
    description: z.string().max(MAX_TEXT).optional().meta({ description: 'Notes for people; the runner ignores it.' }),
    steps: z.array(stepSchema).min(1, 'give at least one step').max(20, 'at most 20 steps'),
    success: outcomeSchema.meta({ description: 'What the page shows once the listing was accepted.' }),
    failure: outcomeSchema.meta({ description: "What the page shows when it refused; the element's text is recorded as the reason." }),
    permanentFailures: z
      .array(regex)
      .max(50)
      .default([])
      .meta({ description: 'Failure texts (case-insensitive regular expressions) a retry cannot fix; a match fails the row at once instead of retrying.' }),
    verify: verifySchema
      .optional()
      .meta({ description: 'A read-only "is this business listed here?" check, used after a crash left an outcome unknown.' }),
    capture: captureSchema.optional(),
    serverErrorMeans: z
      .enum(['unknown', 'not-recorded'], { error: 'serverErrorMeans is unknown (the default) or not-recorded' })
      .optional()
      .meta({
        description:
          'What a 5xx answer to the final submit means. unknown (default): the listing may have been taken; the next attempt verifies, or staff review. not-recorded: the site records nothing on a 5xx; retry like any error.',
      }),
    timeouts: timeoutsSchema.optional(),
  })
  .strict();

/** A definition as stored and run: defaults filled in. */
export type AdapterDefinition = z.output<typeof adapterSchema>;
/** A definition as written by a person: defaults may be left out. */
export type AdapterInput = z.input<typeof adapterSchema>;
export type FormStep = z.output<typeof stepSchema>;
export type FieldMapping = z.output<typeof fieldSchema>;
export type Target = z.output<typeof targetSchema>;
export type OutcomeRule = z.output<typeof outcomeSchema>;
export type WaitForRule = z.output<typeof waitForSchema>;
export type CaptureRule = z.output<typeof captureSchema>;
export type SearchRule = z.output<typeof searchSchema>;
