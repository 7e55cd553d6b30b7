import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, ownerOf, RequireScopes } from '../auth/caller';
import { ApiKeyProblems, ApiProblems } from '../common/api-docs';
import { PageQueryDto } from '../common/paging.dto';
import { UuidPipe } from '../common/uuid.pipe';
import { CustomersService } from './customers.service';
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
  create(@Body() dto: CreateCustomerDto, @CurrentCaller() caller: Caller) {
    return this.customers.create(dto, ownerOf(caller));
  }

  @Get()
  @ApiOkResponse({ type: CustomerPage })
  list(@Query() q: PageQueryDto, @CurrentCaller() caller: Caller) {
    return this.customers.list(q.limit, q.cursor, ownerOf(caller));
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerResponse })
  @ApiProblems(404)
  get(@Param('id', new UuidPipe('customer')) id: string, @CurrentCaller() caller: Caller) {
    return this.customers.get(id, ownerOf(caller));
  }
}
