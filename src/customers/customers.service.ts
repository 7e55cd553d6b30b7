import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Reach } from '../auth/caller';
import { decodeCursor, pageOf } from '../common/cursor';
import { Page } from '../common/paging.dto';
import { ProblemException } from '../common/problem.filter';
import { Customer } from './customer.entity';
import { CreateCustomerDto } from './dto/create-customer.dto';

@Injectable()
export class CustomersService {
  constructor(@InjectRepository(Customer) private readonly customers: Repository<Customer>) {}

  /** A customer made with an account's reach belongs to that account; with every account's, to none. */
  create(dto: CreateCustomerDto, reach: Reach): Promise<Customer> {
    const accountId = reach.kind === 'account' ? reach.accountId : null;
    return this.customers.save(this.customers.create({ ...dto, description: dto.description ?? '', accountId }));
  }

  /** 404 alike for a missing customer and another account's: ids reveal nothing. */
  async get(id: string, reach: Reach): Promise<Customer> {
    const customer = await this.customers.findOneBy(reach.kind === 'account' ? { id, accountId: reach.accountId } : { id });
    if (!customer) throw new ProblemException(404, `customer ${id} not found`);
    return customer;
  }

  async list(reach: Reach, limit = 50, cursor?: string): Promise<Page<Customer>> {
    const after = decodeCursor(cursor);
    const qb = this.customers.createQueryBuilder('c').orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(limit + 1);
    if (reach.kind === 'account') qb.andWhere('c.account_id = :account', { account: reach.accountId });
    if (after) qb.andWhere('(c.created_at, c.id) < (:createdAt, :id)', after);
    return pageOf(await qb.getMany(), limit);
  }
}
