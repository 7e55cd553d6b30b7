import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { CAPABILITIES, type Capability, WORKER_KINDS, type WorkerKind } from '../protocol';

/** Lines a worker may send with one heartbeat, complete or fail; the row's log keeps what complete and fail send. */
export const MAX_LOG_LINES = 500;

export class WorkerIdentityDto {
  @ApiProperty({ pattern: '^[A-Za-z0-9._:-]{1,64}$', example: 'laptop-anna' })
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'worker.id must be 1-64 of A-Z a-z 0-9 . _ : -' })
  id: string;

  @ApiProperty({ enum: WORKER_KINDS })
  @IsIn(WORKER_KINDS, { message: `worker.kind must be one of ${WORKER_KINDS.join(', ')}` })
  kind: WorkerKind;

  @ApiProperty({ minLength: 1, maxLength: 40, example: '1.0.0' })
  @IsString() @Length(1, 40, { message: 'worker.version must be 1-40 characters' })
  version: string;
}

export class LeaseRequestDto {
  @ApiProperty({ minimum: 1, maximum: 20, description: 'Submissions to take at most.' })
  @IsInt({ message: 'max must be a whole number from 1 to 20' }) @Min(1, { message: 'max must be from 1 to 20' }) @Max(20, { message: 'max must be from 1 to 20' })
  max: number;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CAPABILITIES] }, description: '`browser`: drives a browser; `credentials`: may receive sign-in values (the key needs the worker:credentials scope too); `assisted`: a person is at the browser: the worker then takes only submissions of directories whose definition says assisted: true, and those go to no other worker.' })
  @IsArray({ message: `capabilities must be an array of ${CAPABILITIES.join(', ')}` }) @ArrayUnique() @ArrayMaxSize(CAPABILITIES.length)
  @IsIn(CAPABILITIES, { each: true, message: `each capability must be one of ${CAPABILITIES.join(', ')}` })
  capabilities: Capability[];

  @ApiProperty({ type: WorkerIdentityDto })
  @ValidateNested() @Type(() => WorkerIdentityDto)
  worker: WorkerIdentityDto;
}

export class LogLineDto {
  @ApiProperty({ format: 'date-time' })
  @IsISO8601({}, { message: 'log[].at must be an ISO 8601 time' })
  at: string;

  @ApiProperty({ maxLength: 200 })
  @IsString() @Length(1, 200, { message: 'log[].event must be 1-200 characters' })
  event: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000, { message: 'log[].detail must be at most 2000 characters' })
  detail?: string;
}

class TokenDto {
  @ApiProperty({ format: 'uuid', description: "The lease's token, as the lease call gave it." })
  @IsUUID('all', { message: "token must be the lease's token (a UUID)" })
  token: string;
}

class WithLogDto extends TokenDto {
  @ApiPropertyOptional({ type: [LogLineDto], maxItems: MAX_LOG_LINES })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_LOG_LINES, { message: `log may hold at most ${MAX_LOG_LINES} lines` })
  @ValidateNested({ each: true }) @Type(() => LogLineDto)
  log?: LogLineDto[];
}

export class HeartbeatDto extends WithLogDto {
  @ApiPropertyOptional({ maxLength: 80, example: 'filling' })
  @IsOptional() @IsString() @MaxLength(80, { message: 'progress must be at most 80 characters' })
  progress?: string;
}

export class SubmittingDto extends TokenDto {}

export class OutcomeDto {
  @ApiProperty({ enum: ['submitted', 'refused'] })
  @IsIn(['submitted', 'refused'], { message: 'outcome.result must be submitted or refused' })
  result: 'submitted' | 'refused';

  @ApiPropertyOptional({ maxLength: 200, description: "submitted: the directory's reference number, when it gave one." })
  @IsOptional() @IsString() @MaxLength(200)
  reference?: string;

  @ApiPropertyOptional({ maxLength: 2000, description: 'refused: what the directory said.' })
  @ValidateIf((o: OutcomeDto) => o.result === 'refused')
  @IsString({ message: 'outcome.reason is required when the result is refused' }) @Length(1, 2000)
  reason?: string;

  @ApiPropertyOptional({ description: 'refused: whether trying again later could help.' })
  @ValidateIf((o: OutcomeDto) => o.result === 'refused')
  @IsBoolean({ message: 'outcome.retryable (true or false) is required when the result is refused' })
  retryable?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 86_400_000, description: 'refused: the directory asked to be left alone this long (Retry-After).' })
  @IsOptional() @IsInt() @Min(0) @Max(86_400_000)
  retryAfterMs?: number;
}

export class CompleteDto extends WithLogDto {
  @ApiPropertyOptional({ type: OutcomeDto, description: 'For a submit lease.' })
  @IsOptional() @ValidateNested() @Type(() => OutcomeDto)
  outcome?: OutcomeDto;

  @ApiPropertyOptional({ type: 'boolean', nullable: true, description: 'For a verify lease: whether the directory lists the business; null when it cannot tell.' })
  @IsOptional() @IsBoolean({ message: 'listed must be true, false or null' })
  listed?: boolean | null;
}

export const FAIL_KINDS = ['page', 'target_missing', 'browser', 'deadline'] as const;

export class FailDto extends WithLogDto {
  @ApiProperty({ enum: FAIL_KINDS })
  @IsIn(FAIL_KINDS, { message: `kind must be one of ${FAIL_KINDS.join(', ')}` })
  kind: (typeof FAIL_KINDS)[number];

  @ApiProperty({ maxLength: 2000 })
  @IsString() @Length(1, 2000, { message: 'message must be 1-2000 characters' })
  message: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'target_missing: the element that was not found.' })
  @ValidateIf((o: FailDto) => o.kind === 'target_missing')
  @IsString({ message: 'target is required when kind is target_missing' }) @Length(1, 500)
  target?: string;
}
