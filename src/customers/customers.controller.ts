import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CallerReach, type Reach, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { PageQueryDto } from '../common/paging.dto';
import { sendProblem } from '../common/problem-types';
import { UuidPipe } from '../common/uuid.pipe';
import { LOGO_MAX_BYTES, LOGO_TYPE_LIST, logoTypeOf } from './customer-logo';
import { customerView, CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';
import { CustomerPage, CustomerResponse } from './dto/customer.response';

@ApiTags('customers')
@ApiBearerAuth()
@ApiKeyProblems()
@RequireScopes('jobs:read', 'jobs:write')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @RequireScopes('jobs:write')
  @ApiCreatedResponse({ type: CustomerResponse })
  @ApiProblems(413, 415)
  async create(@Body() dto: CreateCustomerDto, @CallerReach() reach: Reach) {
    return customerView(await this.customers.create(dto, reach));
  }

  @Get()
  @ApiOkResponse({ type: CustomerPage })
  async list(@Query() q: PageQueryDto, @CallerReach() reach: Reach) {
    const page = await this.customers.list(reach, q.limit, q.cursor);
    return { ...page, items: page.items.map(customerView) };
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerResponse })
  @ApiProblems(404)
  async get(@Param('id', new UuidPipe('customer')) id: string, @CallerReach() reach: Reach) {
    return customerView(await this.customers.get(id, reach));
  }

  @Put(':id/logo')
  @RequireScopes('jobs:write')
  @ApiOperation({ summary: "Stores (replaces) the customer's logo, for directories whose form asks for an image" })
  @ApiConsumes(...LOGO_TYPE_LIST)
  @ApiBody({ description: `The image's bytes, at most ${LOGO_MAX_BYTES} bytes (2 MB); they must be of the type Content-Type names.`, schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiProblems(404, 413, 415, 422)
  async setLogo(@Param('id', new UuidPipe('customer')) id: string, @Req() req: Request, @CallerReach() reach: Reach) {
    // logoBody (customer-logo.ts) read the bytes and refused any other Content-Type.
    const type = logoTypeOf(req);
    if (!type) throw new Error('PUT logo reached the controller without an image Content-Type: is logoBody mounted?');
    return customerView(await this.customers.setLogo(id, reach, type, req.body as Buffer | undefined));
  }

  @Get(':id/logo')
  @ApiOperation({ summary: "The customer's logo, as stored" })
  @ApiProduces(...LOGO_TYPE_LIST)
  @ApiOkResponse({ description: 'The image, with the Content-Type it was stored with.', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(404)
  async logo(@Param('id', new UuidPipe('customer')) id: string, @CallerReach() reach: Reach, @Res() res: Response) {
    const logo = await this.customers.logo(id, reach);
    res.setHeader('Content-Type', logo.type);
    res.sendFile(logo.file, { dotfiles: 'allow', etag: false, headers: { ETag: `"${logo.sha256}"`, 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' } }, (err) => {
      if (err && !res.headersSent) sendProblem(res, 'not-found', `the logo of customer ${id} is no longer on disk`);
    });
  }

  @Delete(':id/logo')
  @RequireScopes('jobs:write')
  @HttpCode(204)
  @ApiOperation({ summary: "Forgets the customer's logo (nothing to forget is fine)" })
  @ApiNoContentResponse({ description: 'Forgotten.' })
  @ApiProblems(404)
  async clearLogo(@Param('id', new UuidPipe('customer')) id: string, @CallerReach() reach: Reach) {
    await this.customers.clearLogo(id, reach);
  }
}
