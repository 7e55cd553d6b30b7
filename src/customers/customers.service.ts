import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { decodeCursor, pageOf } from '../common/cursor';
import { Page } from '../common/paging.dto';
import { ProblemException } from '../common/problem.filter';
import { Customer } from './customer.entity';
import { CreateCustomerDto } from './dto/create-customer.dto';

@Injectable()
export class CustomersService {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  create(dto: CreateCustomerDto): Promise<Customer> {
    return this.customers.save(this.customers.create({ ...dto, description: dto.description ?? '' }));
  }

  async get(id: string): Promise<Customer> {
    const customer = await this.customers.findOneBy({ id });
    if (!customer) throw new ProblemException(404, `customer ${id} not found`);
    return customer;
  }

  async list(limit = 50, cursor?: string): Promise<Page<Customer>> {
    const after = decodeCursor(cursor);
    const qb = this.customers.createQueryBuilder('c').orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(limit + 1);
    if (after) qb.where('(c.created_at, c.id) < (:createdAt, :id)', after);
    return pageOf(await qb.getMany(), limit);
  }
}
