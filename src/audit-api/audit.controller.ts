import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { RequireScopes } from '../auth/caller';
import { ApiKeyProblems } from '../common/api-docs';
import { PageQueryDto } from '../common/paging.dto';
import { AuditService } from '../audit/audit.service';
import { AuditPage } from './dto/audit.response';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID('all', { message: 'jobId must be a UUID' })
  jobId?: string;

  @ApiPropertyOptional({ description: 'A staff email or an API key name.', maxLength: 320 })
  @IsOptional() @IsString() @MaxLength(320)
  actor?: string;

  @ApiPropertyOptional({ example: 'job.cancel', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100)
  action?: string;
}

/** The audit log, newest first, for admin keys. */
@ApiTags('audit')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('admin')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage })
  list(@Query() q: AuditQueryDto) {
    return this.audit.list(q);
  }
}
