import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/paging.dto';
import { UuidPipe } from '../common/uuid.pipe';
import { CustomersService } from './customers.service';
import { CreateCustomerDto } from './dto/create-customer.dto';

@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  create(@Body() dto: CreateCustomerDto) {
    return this.customers.create(dto);
  }

  @Get()
  list(@Query() q: PageQueryDto) {
    return this.customers.list(q.limit, q.cursor);
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('customer')) id: string) {
    return this.customers.get(id);
  }
}
