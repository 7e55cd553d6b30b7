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
  })
  .strict();

const outcomeSchema = z
  .object({
    selectors: z.array(text('selector')).min(1, 'give at least one selector').max(20),
  })
  .strict()
  .meta({ description: 'Any of these CSS selectors being visible means the page gave this outcome.' });

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

/** Politeness: how hard the whole fleet may press one directory. Without it, as hard as the workers go. */
const perDirectoryLimit = (what: string) => z.int({ error: `${what} must be a whole number` }).min(1, `${what} must be at least 1`);
export const limitsSchema = z
  .object({
    concurrent: perDirectoryLimit('limits.concurrent').optional().meta({ description: 'At most this many submissions to this directory at once, over all workers.' }),
    perMinute: perDirectoryLimit('limits.perMinute').optional().meta({ description: 'At most this many submissions to this directory started in any 60 seconds, over all workers.' }),
  })
  .strict()
  .meta({ description: 'Limits that hold across every worker process; a limited submission waits its turn (not counted as an attempt).' });

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
    verify: z
      .object({
        url: text('verify.url').meta({
          description: 'URL (relative to the submit URL) answering JSON {"listed": boolean}; {website} is replaced by the URL-encoded website.',
        }),
      })
      .strict()
      .optional()
      .meta({ description: 'A read-only "is this business listed here?" check, used after a crash left an outcome unknown.' }),
    limits: limitsSchema.optional(),
  })
  .strict();

/** A definition as stored and run: defaults filled in. */
export type AdapterDefinition = z.output<typeof adapterSchema>;
/** A definition as written by a person: defaults may be left out. */
export type AdapterInput = z.input<typeof adapterSchema>;
export type FormStep = z.output<typeof stepSchema>;
export type FieldMapping = z.output<typeof fieldSchema>;
export type Target = z.output<typeof targetSchema>;
export type DirectoryLimits = z.output<typeof limitsSchema>;
