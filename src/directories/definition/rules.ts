import { z } from 'zod';

/** The building blocks of the adapter schema's rules: bounded text, patterns and page URLs. */

export const MAX_TEXT = 2000;
export const text = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(MAX_TEXT, `${what} must be at most ${MAX_TEXT} characters`);


export const regex = text('pattern').refine(
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
export const textOrRegex = (what: string) =>
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

/**
 * A page of the directory: relative to the submit URL, or absolute with http(s). Never file:,
 * data: or chrome:, which a browser would open without the egress proxy.
 */
export const pageUrl = (what: string) =>
  text(what).refine((u) => !/^[a-z][a-z0-9+.-]*:/i.test(u) || /^https?:\/\//i.test(u), {
    error: `${what} must be relative to the submit URL or an absolute http:// or https:// URL`,
  });

