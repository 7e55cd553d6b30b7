import { z } from 'zod';
import { DIRECTORY_ID } from '../../common/ids';
import type { FieldError } from '../../common/problem-types';
import { adapterSchema } from './adapter.schema';

export const MAX_POSITION = 1_000_000;

const webUrl = z
  .string({ error: 'submitUrl must be text' })
  .trim()
  .max(2000, 'submitUrl must be at most 2000 characters')
  .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), {
    error: 'submitUrl must be an absolute http:// or https:// URL of the form page',
  });

/**
 * A directory as staff write it: in the API, the dashboard and a catalogue file. Its definition
 * (the form page and the adapter) is versioned: every change of either makes a new revision.
 */
export const directorySchema = z
  .object({
    id: z.string({ error: 'id must be text' }).regex(DIRECTORY_ID, 'id must be 1-63 lowercase letters, digits and dashes, starting with a letter or digit, e.g. acme-listings'),
    name: z.string({ error: 'name must be text' }).trim().min(1, 'name must not be empty').max(200, 'name must be at most 200 characters'),
    submitUrl: webUrl.meta({ description: 'The page with the form; the adapter starts here.' }),
    enabled: z.boolean({ error: 'enabled must be true or false' }).default(true),
    position: z
      .int({ error: `position must be a whole number from 1 to ${MAX_POSITION}` })
      .min(1, `position must be a whole number from 1 to ${MAX_POSITION}`)
      .max(MAX_POSITION, `position must be a whole number from 1 to ${MAX_POSITION}`)
      .optional()
      .meta({ description: 'Packages take the first N enabled directories in this order. Left out: after the last one (a new directory) or unchanged.' }),
    adapter: adapterSchema,
  })
  .strict();

export type DirectoryInput = z.input<typeof directorySchema>;
export type DirectoryDocument = z.output<typeof directorySchema>;

/**
 * What PATCH may change: any of the document's fields but the id; `adapter` is replaced whole.
 * `enabled` left out stays as it is: without its default, or moving a disabled directory would enable it.
 */
export const directoryPatchSchema = directorySchema
  .omit({ id: true })
  .extend({ enabled: z.boolean({ error: 'enabled must be true or false' }).optional() })
  .partial()
  .strict();

/** A catalogue file: many directories, whose submit URLs may be relative to `baseUrl`. */
export const catalogueFileSchema = z
  .object({
    baseUrl: z.string().optional().meta({ description: 'Relative submitUrls resolve against it; `import --base-url` overrides it.' }),
    directories: z.array(z.unknown()).max(10_000, 'a catalogue file holds at most 10,000 directories'),
  })
  .strict();

/** `['steps', 1, 'fields', 3, 'target']` -> `steps[1].fields[3].target`, under `prefix`. */
export function pathOf(path: readonly PropertyKey[], prefix = ''): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key)), prefix);
}

/** One entry per path, each with what to fix there. */
export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldError[] {
  const byPath = new Map<string, string[]>();
  for (const issue of error.issues) {
    const field = pathOf(issue.path, prefix) || '(body)';
    const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}: remove or correct them` : issue.message;
    byPath.set(field, [...(byPath.get(field) ?? []), message]);
  }
  return [...byPath].map(([field, messages]) => ({ field, messages }));
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function checkDirectory(input: unknown, prefix = ''): Checked<DirectoryDocument> {
  const parsed = directorySchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: fieldErrorsOf(parsed.error, prefix) };
}

export function checkDirectoryPatch(input: unknown): Checked<z.output<typeof directoryPatchSchema>> {
  const parsed = directoryPatchSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: fieldErrorsOf(parsed.error) };
}

/** JSON Schema (draft 2020-12) of a directory as written, for editors to complete and check. */
export function directoryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(directorySchema, { io: 'input' }),
    title: 'Boltline directory',
    description: 'A directory and its adapter (format version 1). A catalogue file holds { baseUrl?, directories: [...] } of these.',
  };
}
