import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, ownerOf, RequireScopes } from '../auth/caller';
import { PageQueryDto } from '../common/paging.dto';
import { UuidPipe } from '../common/uuid.pipe';
import { CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';

@ApiTags('customers')
@ApiBearerAuth()
@RequireScopes('jobs:read', 'jobs:write')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @RequireScopes('jobs:write')
  create(@Body() dto: CreateCustomerDto, @CurrentCaller() caller: Caller) {
    return this.customers.create(dto, ownerOf(caller));
  }

  @Get()
  list(@Query() q: PageQueryDto, @CurrentCaller() caller: Caller) {
    return this.customers.list(q.limit, q.cursor, ownerOf(caller));
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('customer')) id: string, @CurrentCaller() caller: Caller) {
    return this.customers.get(id, ownerOf(caller));
  }
}
