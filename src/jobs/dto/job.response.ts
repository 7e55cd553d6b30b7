import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ResponseLogEntry } from '../../common/response-log';
import type { ResultView } from '../../orders/result-view';
import { RESULT_STATUSES, type ResultStatus } from '../../orders/statuses';
import { JOB_OUTCOMES, JOB_STATUSES, PACKAGE_SIZES, type JobOutcome, type JobStatus } from '../../orders/statuses';
import type { JobView } from '../../orders/job-view';

/**
 * The shapes the jobs endpoints answer with. Each class implements the type the code returns, so
 * a field added to an answer and not documented here fails to compile.
 */

@ApiSchema({ name: 'JobProgress', description: 'Directories of the order by outcome so far.' })
export class JobProgressResponse implements Readonly<JobView['progress']> {
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) submitted: number;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer' }) cancelled: number;
  @ApiProperty({ type: 'integer', description: 'Outcome unknown after a crash; staff decide.' }) needsReview: number;
  @ApiProperty({ type: 'integer', description: 'The directory reached outside the catalogue; final.' }) blocked: number;
  @ApiProperty({ type: 'integer', description: 'Not final yet.' }) pending: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100 }) percent: number;
}

@ApiSchema({ name: 'Job', description: 'An order: a package or list of directories for one customer.' })
export class JobResponse implements JobView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['directory_submission'] }) type: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ type: 'integer', enum: PACKAGE_SIZES, nullable: true, description: 'null when directories were listed.' }) packageSize: number | null;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 4, description: '1 is the most urgent, 4 the least.' }) priority: number;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({
    enum: JOB_OUTCOMES,
    nullable: true,
    description:
      'How the order ended; null until it has (and again while a retry reruns it). succeeded: every directory submitted. ' +
      'partially_failed: some submitted, the others failed or were blocked by policy. failed: none submitted. ' +
      'needs_review: the outcome of some directories is unknown and staff are checking them. cancelled: the order was cancelled.',
  })
  outcome: JobOutcome | null;
  @ApiProperty({ type: 'integer', description: 'How many times the order was run: 1, plus one per retry.' }) attempts: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The id of the request that opened the order (its X-Request-Id, or one the API made): every log line about the order's submissions carries it.",
  })
  requestId: string | null;
  @ApiProperty({ type: JobProgressResponse }) progress: JobProgressResponse;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'JobPage' })
export class JobPage {
  @ApiProperty({ type: [JobResponse] }) items: JobResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) nextCursor: string | null;
}

@ApiSchema({ name: 'ResponseLogEntry', description: 'One line of what happened during an attempt.' })
export class ResponseLogEntryResponse implements ResponseLogEntry {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: 'integer' }) attempt: number;
  @ApiProperty() event: string;
  @ApiProperty({ required: false }) detail?: string;
}

@ApiSchema({ name: 'JobResult', description: "One directory's submission within an order." })
export class JobResultResponse implements ResultView {
  @ApiProperty({ description: 'A whole number, as text.', example: '42' }) id: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty() directoryId: string;
  @ApiProperty({ type: 'integer', nullable: true, description: "The revision of the directory's definition the latest attempt ran with; null before the first attempt." })
  directoryRevision: number | null;
  @ApiProperty({ enum: RESULT_STATUSES }) status: ResultStatus;
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ type: 'integer', description: 'Bumped whenever the row is queued anew.' }) generation: number;
  @ApiProperty({ type: [ResponseLogEntryResponse] }) responseLog: ResponseLogEntryResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: '/api/v1/jobs/1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b/results/acme-listings/screenshot',
    description: "The directory's page after the latest attempt, as image/png, with the same API key as the result; null when there is none.",
  })
  screenshotUrl: string | null;
  @ApiProperty({ type: String, nullable: true }) errorMessage: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'BL-20931',
    description: "The directory's confirmation/reference number for the accepted listing, when its definition captures one.",
  })
  reference: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) durationMs: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) submittedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'JobResultList' })
export class JobResultList {
  @ApiProperty({ type: [JobResultResponse] }) items: JobResultResponse[];
}

@ApiSchema({ name: 'EventToken', description: "A short-lived token to read one order's live feed with EventSource." })
export class EventTokenResponse {
  @ApiProperty() token: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: Date;
  @ApiProperty({ description: 'The event stream, token included.', example: '/api/v1/jobs/3f1c…/events?token=…' }) url: string;
}
