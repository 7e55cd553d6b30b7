import { Controller, Get, ParseBoolPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/caller';
import { ApiKeyProblems } from '../common/api-docs';
import { DirectoriesService } from './directories.service';
import { DirectoryList } from './dto/directory.response';

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
}
