import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Lease } from '../protocol';

class LeasedDirectory {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uri' }) submitUrl: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The adapter definition (GET /api/v1/directories/schema).' }) adapter: Lease['directory']['adapter'];
}

export class LeaseAnswer implements Lease {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The fencing token: send it with every call about this lease.' }) token: string;
  @ApiProperty({ enum: ['submit', 'verify'], description: 'verify: an earlier attempt clicked unanswered; only ask whether the business is listed, never submit.' }) kind: 'submit' | 'verify';
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ description: 'Heartbeat at least this often (ms).' }) heartbeatMs: number;
  @ApiProperty() attempt: number;
  @ApiProperty({ type: LeasedDirectory }) directory: LeasedDirectory;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: "The customer's values the form uses, and nothing more." }) values: Record<string, string>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Sign-in values: only when the definition signs in and the key has worker:credentials.' }) credentials?: Record<string, string>;
}

export class LeaseList {
  @ApiProperty({ type: [LeaseAnswer] }) leases: LeaseAnswer[];
}

export class HeartbeatAnswer {
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class SubmittingAnswer {
  @ApiProperty({ format: 'date-time', description: 'Click before this, or not at all (then fail with kind deadline).' }) clickBy: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class SettledAnswer {
  @ApiProperty({ description: "The row's status after the report." }) status: string;
  @ApiProperty() detail: string;
}
