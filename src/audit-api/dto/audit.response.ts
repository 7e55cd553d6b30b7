import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'AuditEntry', description: 'Who did what, to which order, from where.' })
export class AuditEntryResponse {
  @ApiProperty({ description: 'A whole number, as text.', example: '7' }) id: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ enum: ['staff', 'api_key', 'system'] }) actorType: string;
  @ApiProperty({ type: String, nullable: true, description: 'Staff member id or API key id.' }) actorId: string | null;
  @ApiProperty({ description: 'A staff email or an API key name.' }) actor: string;
  @ApiProperty({ example: 'job.cancel' }) action: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) jobId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, description: 'The client address.' }) ip: string | null;
}

@ApiSchema({ name: 'AuditPage' })
export class AuditPage {
  @ApiProperty({ type: [AuditEntryResponse] }) items: AuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) nextCursor: string | null;
}
