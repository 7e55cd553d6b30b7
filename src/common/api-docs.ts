import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import type { ApiResponseOptions } from '@nestjs/swagger';
import { PROBLEM_KINDS, PROBLEM_TYPES, PROBLEMS_PATH, problemType } from './problem-types';

/**
 * The OpenAPI side of error answers: one `Problem` schema (RFC 9457, as ProblemFilter writes it)
 * and the problem responses each operation documents, so a generated client has a type for every
 * answer, errors included.
 */

@ApiSchema({ name: 'FieldError', description: 'One field of the request to fix.' })
export class FieldErrorSchema {
  @ApiProperty({ description: 'The field, query parameter, path parameter or header, as a path into the request (`directoryIds.1`).', example: 'businessName' })
  field: string;

  @ApiProperty({ type: [String], description: 'What is wrong with it and how to fix it.', example: ['businessName must be shorter than or equal to 200 characters'] })
  messages: string[];
}

@ApiSchema({ name: 'Problem', description: 'Every error answer (application/problem+json, RFC 9457).' })
export class ProblemSchema {
  @ApiProperty({
    format: 'uri-reference',
    example: problemType('validation'),
    description: `The kind of problem, a URI relative to the API's origin where GET describes it (GET /${PROBLEMS_PATH} lists them all): ${PROBLEM_KINDS.map((k) => `\`${problemType(k)}\``).join(', ')}. New kinds may be added.`,
  })
  type: string;

  @ApiProperty({ description: "The kind's title; the same for every problem of a kind.", example: PROBLEM_TYPES.validation.title })
  title: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status, as answered.', example: 400 })
  status: number;

  @ApiProperty({ description: 'What went wrong this time, for a person to read.', example: 'Invalid request: email must be an email address, e.g. owner@example.com' })
  detail: string;

  @ApiPropertyOptional({ type: [FieldErrorSchema], description: 'For 400s that blame fields: each one and what to fix.' })
  errors?: FieldErrorSchema[];
}

type Header = { description: string; schema: { type: 'integer' | 'string' } };
const retryAfter: Header = { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } };
const HEADERS: Record<number, Record<string, Header>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="Boltline API"', schema: { type: 'string' } } },
  429: { 'Retry-After': retryAfter },
  503: { 'Retry-After': retryAfter },
};

/** The response a problem status is documented with: the kinds it may carry, and their meaning. */
export function problemResponse(status: number): ApiResponseOptions {
  const kinds = PROBLEM_KINDS.filter((k) => PROBLEM_TYPES[k].status === status);
  if (!kinds.length) throw new Error(`no problem kind is answered with status ${status}`);
  return {
    status,
    description: kinds.map((k) => `\`${problemType(k)}\`: ${PROBLEM_TYPES[k].description}`).join('\n\n'),
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
    ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
  };
}

/** Documents problem answers of these statuses on an operation or a whole controller. */
export const ApiProblems = (...statuses: number[]) => applyDecorators(ApiExtraModels(ProblemSchema), ...statuses.map((s) => ApiResponse(problemResponse(s))));

/**
 * What any operation may answer, added to every one: text that cannot be stored in a query or
 * path (400), the rate limits (429), the database away (503), and the unexpected (500).
 */
export const EVERY_OPERATION_PROBLEMS = [400, 429, 500, 503];

/** What every operation behind an API key may answer besides: no valid key (401), a missing scope (403). */
export const ApiKeyProblems = () => ApiProblems(401, 403);
