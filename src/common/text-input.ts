import type { NextFunction, Request, Response } from 'express';
import type { FieldError } from './problem-types';
import { ProblemException } from './problem.filter';

/**
 * Characters PostgreSQL `text` cannot hold as sent: NUL (refused by the server) and UTF-16
 * surrogates outside a pair, which are not well-formed Unicode (`!isWellFormed()`). With the `u`
 * flag a surrogate pair is one code point and does not match, so only lone ones do. The pg driver
 * would write a lone surrogate as U+FFFD: the row would hold something else than what the client
 * was told it saved.
 */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'gu');

/** More than any client needs to fix its request; bounds the answer to a hostile one. */
const MAX_REPORTED = 20;
/** A field's path as reported: a body nested absurdly deep does not make a megabyte of answer. */
const MAX_PATH = 200;
const clip = (path: string) => (path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path);

const codePoint = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with a string that cannot be stored exactly, or undefined. */
function whyUnstorable(value: string): string | undefined {
  const found = UNSTORABLE.exec(value);
  if (!found) return undefined;
  if (found[0] === '\u0000') return `holds a NUL character (U+0000) at offset ${found.index}, which cannot be stored; remove it`;
  return `is not well-formed Unicode: it holds a lone UTF-16 surrogate (${codePoint(found[0])}) at offset ${found.index}; send whole characters (a surrogate only as half of a pair)`;
}

/** A field name fit to be echoed in a well-formed answer: what cannot be stored shown as \uXXXX. */
const printable = (name: string) => name.replace(UNSTORABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Every string (values and keys alike) in a parsed body, query or path parameter that cannot be
 * stored exactly, by its path (`a.b.0`, as validation errors name fields). Walks without
 * recursion, so nesting depth costs no stack; the input is bounded by the body parser's limit.
 */
export function unstorableText(value: unknown, root = ''): FieldError[] {
  const found: FieldError[] = [];
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length && found.length < MAX_REPORTED) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      const why = whyUnstorable(v);
      if (why) found.push({ field: clip(path) || 'value', messages: [`${clip(path) || 'the value'} ${why}`] });
      continue;
    }
    // Bytes (an uploaded image) are not text; walking them index by index would take long.
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    const children: Array<[unknown, string]> = [];
    for (const key of Object.keys(v)) {
      const child = path ? `${path}.${printable(key)}` : printable(key);
      const why = whyUnstorable(key);
      if (why) found.push({ field: clip(child), messages: [`the name of the field ${clip(child)} ${why}`] });
      else children.push([(v as Record<string, unknown>)[key], child]);
    }
    // Reversed onto the stack, so fields are reported in the order they were sent.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return found.slice(0, MAX_REPORTED);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The bytes a urlencoded part stands for: `%XX` one byte, `+` a space, any other character itself. */
function bytes(part: string): Buffer {
  const out = Buffer.alloc(part.length);
  let n = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-f]{2}$/i.test(part.slice(i + 1, i + 3))) {
      out[n++] = parseInt(part.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = c === 0x2b ? 0x20 : c & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Whether a percent-encoded part of a URL or form stands for UTF-8 text. */
function isUtf8(part: string): boolean {
  if (!/[%\x80-\xff]/.test(part)) return true;
  try {
    utf8.decode(bytes(part));
    return true;
  } catch {
    return false;
  }
}

/**
 * The fields of `application/x-www-form-urlencoded` text (a query string or a form) whose
 * percent-decoded bytes are not UTF-8. Parsers do not refuse them: Node's querystring makes them
 * U+FFFD and qs keeps the escapes as literal text, so either way the value would change.
 * `raw` holds one character per byte (latin1), as a URL and a raw body both arrive.
 */
export function undecodableFields(raw: string): FieldError[] {
  const found: FieldError[] = [];
  for (const pair of raw.split('&')) {
    if (found.length >= MAX_REPORTED) break;
    const eq = pair.indexOf('=');
    const [name, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (isUtf8(name) && isUtf8(value)) continue;
    const field = printable(lenient.decode(bytes(name)));
    found.push({ field, messages: [`${field} is not UTF-8: percent-encode the UTF-8 bytes of each character (é is %C3%A9)`] });
  }
  return found;
}

export function invalidText(errors: FieldError[]): ProblemException {
  return new ProblemException('invalid-text', `Text that cannot be stored as sent: ${errors.map((e) => e.messages.join('; ')).join('; ')}`, errors);
}

/**
 * Refuses, for every route (API, staff sign-in, dashboard, Bull Board), a URL path or query string
 * that is not UTF-8 and a query or parsed body holding text that cannot be stored exactly: 400
 * naming the field, before anything reads it. Mounted after the body parsers. A NUL in a path
 * parameter is refused by the validation pipe, where the parameter's name is known.
 */
export function refuseUnstorableText(req: Request, _res: Response, next: NextFunction): void {
  const at = req.originalUrl.indexOf('?');
  const path = at >= 0 ? req.originalUrl.slice(0, at) : req.originalUrl;
  const errors = [
    ...(isUtf8(path) ? [] : [{ field: 'path', messages: ['the URL path is not UTF-8: percent-encode the UTF-8 bytes of each character of a path parameter'] }]),
    ...(at >= 0 ? undecodableFields(req.originalUrl.slice(at + 1)) : []),
    ...unstorableText(req.query),
    ...unstorableText(req.body),
  ];
  next(errors.length ? invalidText(errors.slice(0, MAX_REPORTED)) : undefined);
}
