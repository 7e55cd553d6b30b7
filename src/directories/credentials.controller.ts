import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Caller, CurrentCaller, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { ProblemException } from '../common/problem.filter';
import { CredentialsService } from './credentials.service';
import { actorOf } from './directories.controller';

@ApiSchema({ name: 'DirectoryCredentials', description: 'What is stored for a directory\'s sign-in: the names of the values, never the values.' })
class CredentialsInfoResponse {
  @ApiProperty({ type: [String], example: ['password', 'username'] }) names: string[];
  @ApiProperty({ description: 'The API key or staff member who stored them.' }) updatedBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

/**
 * A directory's sign-in, write-only: stored sealed (AES-256-GCM with SECRETS_KEY), opened only by a
 * worker for the sign-in step. No answer here or anywhere else carries a value.
 */
@ApiTags('directories')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('admin')
@Controller('directories/:id/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get()
  @ApiOperation({ summary: "What is stored for the directory's sign-in: names and when, never values" })
  @ApiOkResponse({ type: CredentialsInfoResponse })
  @ApiProblems(404)
  async describe(@Param('id') id: string) {
    const info = await this.credentials.describe(id);
    if (!info) throw new ProblemException('not-found', `Directory ${id} has no stored credentials (or does not exist).`);
    return info;
  }

  @Put()
  @ApiOperation({ summary: "Stores (replaces) the directory's sign-in; the values are never shown again" })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['values'],
      additionalProperties: false,
      properties: { values: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 1000 }, example: { username: 'listings@acme.example', password: '…' } } },
    },
  })
  @ApiOkResponse({ type: CredentialsInfoResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  set(@Param('id') id: string, @Body() body: unknown, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.credentials.set(id, body, actorOf(caller, req));
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Forgotten.' })
  @ApiProblems(404)
  async clear(@Param('id') id: string, @CurrentCaller() caller: Caller, @Req() req: Request) {
    await this.credentials.clear(id, actorOf(caller, req));
  }
}
