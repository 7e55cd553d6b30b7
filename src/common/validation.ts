import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem.filter';
import { invalidText, unstorableText } from './text-input';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Deeper than any request Boltline accepts; far shallower than what would exhaust the stack. */
const MAX_BODY_DEPTH = 16;

/**
 * Keys that mean something to JavaScript objects. JSON.parse makes `__proto__` an own property,
 * which class-transformer silently skips, so the whitelist would never report it.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a parsed JSON value without recursion: its nesting depth (stopping once past the limit)
 * and the path of the first prototype key found.
 */
function inspect(value: unknown): { depth: number; prototypeKey?: string } {
  let depth = 0;
  const stack: Array<[unknown, number, string]> = [[value, 1, '']];
  while (stack.length) {
    const [v, d, path] = stack.pop() as [unknown, number, string];
    if (v === null || typeof v !== 'object') continue;
    depth = Math.max(depth, d);
    if (depth > MAX_BODY_DEPTH) return { depth };
    for (const key of Object.keys(v)) {
      const child = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) return { depth, prototypeKey: child };
      stack.push([(v as Record<string, unknown>)[key], d + 1, child]);
    }
  }
  return { depth };
}

/**
 * Refuses bodies that are not one JSON object, or nested absurdly deep, before they are transformed,
 * and path parameters holding text that cannot be stored (bodies and query strings were checked
 * by refuseUnstorableText before routing; a parameter's name is only known here).
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'param') {
      const errors = unstorableText(value, metadata.data);
      if (errors.length) throw invalidText(errors);
    }
    if (metadata.type === 'body') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ProblemException('malformed-body', 'The request body must be a JSON object.');
      }
      const { depth, prototypeKey } = inspect(value);
      if (depth > MAX_BODY_DEPTH) {
        throw new ProblemException('malformed-body', `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
      }
      if (prototypeKey) {
        throw new ProblemException(400, `Invalid request: ${prototypeKey} is not an accepted field`, [
          { field: prototypeKey, messages: [`remove ${prototypeKey}: it is not a field of this request`] },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Strict request validation: unknown fields are refused rather than ignored (a typo in an optional
 * field must not go unnoticed), and every failing field is named with what to fix.
 */
export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    // One message per field: the first rule it breaks.
    stopAtFirstError: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const detail = fields.map((f) => f.messages.join('; ')).join('; ');
      return new ProblemException(400, `Invalid request: ${detail}`, fields);
    },
  });
}
