import { z } from 'zod';
import { CUSTOMER_FIELDS } from '../../customers/customer-fields';
import { pageUrl, regex, text, textOrRegex } from './rules';

/** How a definition reads the site's answer: outcomes, the reference it keeps, and how it verifies. */

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

export const captureSchema = z
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

export const searchSchema = z
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

export const verifySchema = z
  .object({
    url: pageUrl('verify.url').optional().meta({
      description: 'URL (relative to the submit URL) answering JSON {"listed": boolean}; {website} is replaced by the URL-encoded website.',
    }),
    search: searchSchema.optional().meta({ description: "Checks the site's own search page instead of a JSON endpoint." }),
  })
  .strict()
  .refine((v) => v.url || v.search, { error: 'verify needs a url or a search' });

