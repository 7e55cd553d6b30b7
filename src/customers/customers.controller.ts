import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallerReach, type Reach, RequireScopes } from '../auth/caller';
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
  create(@Body() dto: CreateCustomerDto, @CallerReach() reach: Reach) {
    return this.customers.create(dto, reach);
  }

  @Get()
  @ApiOkResponse({ type: CustomerPage })
  list(@Query() q: PageQueryDto, @CallerReach() reach: Reach) {
    return this.customers.list(reach, q.limit, q.cursor);
  }

  @Get(':id')
  @ApiOkResponse({ type: CustomerResponse })
  @ApiProblems(404)
  get(@Param('id', new UuidPipe('customer')) id: string, @CallerReach() reach: Reach) {
    return this.customers.get(id, reach);
  }
}
