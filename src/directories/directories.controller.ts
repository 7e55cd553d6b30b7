import { Body, Controller, Delete, Get, HttpCode, Param, ParseBoolPipe, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import { SCOPES } from '../auth/api-key';
import { Caller, CurrentCaller, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { directoryJsonSchema } from './definition/directory.schema';
import { CatalogueActor, DirectoriesService } from './directories.service';
import {
  DirectoryJsonSchemaResponse,
  DirectoryList,
  DirectoryRemovalResponse,
  DirectoryResponse,
  DirectoryRevisionList,
} from './dto/directory.response';

/** The API key as the audit log and a revision's author name it. */
export const actorOf = (caller: Caller, req: Request): CatalogueActor => ({ actorType: 'api_key', actorId: caller.keyId, actor: caller.name, ip: req.ip });

const definitionBody = (description: string) => ApiBody({ description, schema: { $ref: getSchemaPath('DirectoryDefinition') } });

/**
 * The catalogue over HTTP: anyone with a key may read it (workers and order intake name
 * directories), admins change it. Bodies are any JSON object, checked by the service against the
 * adapter schema; mistakes come back as 422 `invalid-definition` naming each path.
 */
@ApiTags('directories')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('jobs:read', 'jobs:write', 'worker')
@Controller('directories')
export class DirectoriesController {
  constructor(private readonly directories: DirectoriesService) {}

  @Get()
  @ApiQuery({ name: 'includeDisabled', required: false, type: Boolean })
  @ApiOkResponse({ type: DirectoryList })
  async list(@Query('includeDisabled', new ParseBoolPipe({ optional: true })) includeDisabled?: boolean) {
    const rows = await this.directories.list(includeDisabled ?? false);
    return { items: rows, total: rows.length };
  }

  // Declared before `:id`, so `schema` is never taken for a directory's id.
  @Get('schema')
  @RequireScopes(...SCOPES)
  @ApiOperation({ summary: 'The JSON Schema of a directory as written, for editors to complete and check definitions' })
  @ApiOkResponse({ type: DirectoryJsonSchemaResponse })
  schema() {
    return directoryJsonSchema();
  }

  @Get(':id')
  @ApiOkResponse({ type: DirectoryResponse })
  @ApiProblems(404)
  get(@Param('id') id: string) {
    return this.directories.get(id);
  }

  @Get(':id/revisions')
  @RequireScopes('admin')
  @ApiOkResponse({ type: DirectoryRevisionList })
  @ApiProblems(404)
  async revisions(@Param('id') id: string) {
    return { items: await this.directories.revisions(id) };
  }

  @Post()
  @RequireScopes('admin')
  @definitionBody('The new directory; enabled defaults to true, position to after the last one.')
  @ApiCreatedResponse({ type: DirectoryResponse, description: 'The new directory, at revision 1.' })
  @ApiProblems(409, 413, 415, 422)
  create(@Body() body: unknown, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.directories.create(body, actorOf(caller, req));
  }

  @Put(':id')
  @RequireScopes('admin')
  @definitionBody('The whole directory; id may be left out and must be the one in the path when given. Leaving out enabled or position keeps the current one.')
  @ApiOkResponse({ type: DirectoryResponse, description: 'The directory; a new revision when submitUrl or adapter changed.' })
  @ApiProblems(404, 413, 415, 422)
  replace(@Param('id') id: string, @Body() body: unknown, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.directories.replace(id, body, actorOf(caller, req));
  }

  @Patch(':id')
  @RequireScopes('admin')
  @ApiBody({ description: 'Any of name, submitUrl, enabled, position and adapter.', schema: { $ref: getSchemaPath('DirectoryPatch') } })
  @ApiOkResponse({ type: DirectoryResponse, description: 'The directory; a new revision when submitUrl or adapter changed.' })
  @ApiProblems(404, 413, 415, 422)
  patch(@Param('id') id: string, @Body() body: unknown, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.directories.patch(id, body, actorOf(caller, req));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes('admin')
  @ApiOperation({ summary: 'Ends the pause a directory put itself in after its targets went missing; its waiting rows go on' })
  @ApiOkResponse({ type: DirectoryResponse })
  @ApiProblems(404, 409)
  resume(@Param('id') id: string, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.directories.resume(id, actorOf(caller, req));
  }

  @Delete(':id')
  @RequireScopes('admin')
  @ApiOkResponse({ type: DirectoryRemovalResponse, description: 'Deleted, or disabled when results point at it (they keep naming it).' })
  @ApiProblems(404)
  remove(@Param('id') id: string, @CurrentCaller() caller: Caller, @Req() req: Request) {
    return this.directories.remove(id, actorOf(caller, req));
  }
}
