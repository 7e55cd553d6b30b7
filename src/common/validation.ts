import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem.filter';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Deeper than any request Boltline accepts; far shallower than what would exhaust the stack. */
const MAX_BODY_DEPTH = 16;

/** Nesting depth of a parsed JSON value, measured without recursion. */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d);
    if (max > MAX_BODY_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Refuses bodies that are not one JSON object, or nested absurdly deep, before they are transformed. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ProblemException(400, 'The request body must be a JSON object.');
      }
      if (depthOf(value) > MAX_BODY_DEPTH) {
        throw new ProblemException(400, `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`);
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
