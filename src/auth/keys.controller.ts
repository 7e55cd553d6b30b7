import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsDateString, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { ProblemException } from '../common/problem.filter';
import { AccessNotices } from './access-notices';
import { SCOPES, type Scope } from './api-key';
import { ApiKeysService } from './api-keys.service';
import { Caller, CurrentCaller, RequireScopes } from './caller';
import { ApiKeyList, CreatedApiKeyResponse } from './dto/api-key.response';

export class CreateKeyDto {
  @ApiProperty({ example: 'acme integration', minLength: 1, maxLength: 200 })
  @IsString() @Length(1, 200)
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['jobs:read', 'jobs:write'] })
  @IsArray() @ArrayMinSize(1) @IsIn(SCOPES, { each: true, message: `each scope must be one of ${SCOPES.join(', ')}` })
  scopes: Scope[];

  @ApiPropertyOptional({ example: 'acme', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', maxLength: 63, description: 'Whose customers the key sees; created if new. Needed for jobs:* keys without admin.' })
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'account must be 1-63 lowercase letters, digits, _ or -' })
  account?: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', format: 'date-time' })
  @IsOptional() @IsDateString({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' })
  expiresAt?: string;
}

/** Key management, for admin keys only. The key itself is in the 201 answer and nowhere else. */
@ApiTags('keys')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('admin')
@Controller('keys')
export class KeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly access: AccessNotices,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiProblems(413, 415)
  async create(@Body() dto: CreateKeyDto, @CurrentCaller() caller: Caller, @Req() req: Request) {
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : undefined;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new ProblemException(400, 'expiresAt is in the past', [{ field: 'expiresAt', messages: ['give a moment in the future'] }]);
    }
    const { key, token } = await this.keys.create({ name: dto.name, scopes: dto.scopes, account: dto.account, expiresAt });
    await this.audit.record({ actorType: 'api_key', actorId: caller.keyId, actor: caller.name, action: 'key.create', detail: { id: key.id, name: key.name, scopes: key.scopes }, ip: req.ip });
    return { ...key, key: token };
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyList })
  async list() {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked (revoking again changes nothing).' })
  @ApiProblems(404)
  async revoke(@Param('id') id: string, @CurrentCaller() caller: Caller, @Req() req: Request) {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new ProblemException(404, `API key ${id} not found`);
    await this.keys.revoke(id);
    // Its open event streams end now, on every API replica, not at their next periodic check.
    await this.access.announce({ keyId: id });
    await this.audit.record({ actorType: 'api_key', actorId: caller.keyId, actor: caller.name, action: 'key.revoke', detail: { id }, ip: req.ip });
  }
}
