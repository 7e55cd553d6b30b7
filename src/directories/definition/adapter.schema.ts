import { z } from 'zod';
import { CODE_ADAPTER_NAMES, type CodeAdapterName } from './code-adapter-names';
import { captureSchema, outcomeSchema, searchSchema, verifySchema } from './outcome.schema';
import { MAX_TEXT, pageUrl, regex } from './rules';
import { fieldSchema, stepSchema, targetSchema, waitForSchema } from './step.schema';


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
    assisted: z
      .boolean({ error: 'assisted must be true (a person finishes this form) or false' })
      .optional()
      .meta({
        description:
          "true: a person finishes this form (a CAPTCHA, a check no runner can do): only the staff browser extension takes it. It fills what the steps say, outlines what is left for the person and reports the answer once the person presses the last step's advance button. Left out or false: the fleet's workers submit it.",
      }),
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
    if (a.code && a.assisted) {
      // The extension fills a form from steps in the person's own tab; a code adapter runs only inside the fleet's workers.
      ctx.addIssue({ code: 'custom', path: ['assisted'], message: 'assisted applies to a form given by steps (the staff extension fills it for a person), not to a code adapter' });
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

/** A definition run by a code adapter (src/engine/code-adapters), named by `code`. */
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
