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

  /** `owner`: the calling key's account (undefined for admins: the customer belongs to none). */
  create(dto: CreateCustomerDto, owner?: string): Promise<Customer> {
    return this.customers.save(this.customers.create({ ...dto, description: dto.description ?? '', accountId: owner ?? null }));
  }

  /** 404 alike for a missing customer and another account's: ids reveal nothing. */
  async get(id: string, owner?: string): Promise<Customer> {
    const customer = await this.customers.findOneBy(owner ? { id, accountId: owner } : { id });
    if (!customer) throw new ProblemException(404, `customer ${id} not found`);
    return customer;
  }

  async list(limit = 50, cursor?: string, owner?: string): Promise<Page<Customer>> {
    const after = decodeCursor(cursor);
    const qb = this.customers.createQueryBuilder('c').orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(limit + 1);
    if (owner) qb.andWhere('c.account_id = :owner', { owner });
    if (after) qb.andWhere('(c.created_at, c.id) < (:createdAt, :id)', after);
    return pageOf(await qb.getMany(), limit);
  }
}
