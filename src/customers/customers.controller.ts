import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CallerReach, type Reach, RequireScopes } from '../auth/caller';
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
  create(@Body() dto: CreateCustomerDto, @CallerReach() reach: Reach) {
    return this.customers.create(dto, reach);
  }

  @Get()
  list(@Query() q: PageQueryDto, @CallerReach() reach: Reach) {
    return this.customers.list(reach, q.limit, q.cursor);
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('customer')) id: string, @CallerReach() reach: Reach) {
    return this.customers.get(id, reach);
  }
}
