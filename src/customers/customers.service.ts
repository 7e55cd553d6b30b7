import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataSource, Repository } from 'typeorm';
import type { Reach } from '../auth/caller';
import { decodeCursor, pageOf } from '../common/cursor';
import { Page } from '../common/paging.dto';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Customer } from './customer.entity';
import { hasSignatureOf, LOGO_TYPES, logoFile, type LogoInfo, type LogoType, sha256 } from './customer-logo';
import { CreateCustomerDto } from './dto/create-customer.dto';

/** A customer as the API answers it: the row without where its logo lies, the logo as what it is. */
export type CustomerView = Omit<Customer, 'logoPath' | 'logoType' | 'logoBytes' | 'logoSha256'> & { logo: LogoInfo | null };

export function customerView(c: Customer): CustomerView {
  const { logoPath, logoType, logoBytes, logoSha256, ...rest } = c;
  return { ...rest, logo: logoPath ? { type: logoType as LogoType, bytes: logoBytes as number, sha256: logoSha256 as string } : null };
}

@Injectable()
export class CustomersService {
  constructor(
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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

  /**
   * Stores (replaces) the customer's logo. The file is written beside its final name and renamed
   * over it, so a worker reading it meanwhile gets the old logo or the new one, never half of one;
   * the row is locked throughout, so two uploads at once end with the row describing the file on disk.
   */
  async setLogo(id: string, reach: Reach, type: LogoType, bytes: Buffer | undefined): Promise<Customer> {
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new ProblemException('unprocessable', 'Send the logo\'s bytes as the request body.');
    if (!hasSignatureOf(type, bytes)) {
      throw new ProblemException('unprocessable', `The body is not a ${LOGO_TYPES[type].toUpperCase()} image: its first bytes are not those of ${type}, as its Content-Type says.`);
    }
    const old = await this.db.transaction(async (m) => {
      const row = await this.locked(m.getRepository(Customer), id, reach);
      const path = logoFile(id, type);
      const file = this.onDisk(path);
      await mkdir(dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, bytes);
      await rename(partial, file);
      await m.getRepository(Customer).update({ id }, { logoPath: path, logoType: type, logoBytes: bytes.length, logoSha256: sha256(bytes) });
      return row.logoPath !== path ? row.logoPath : null;
    });
    // A logo of another type had another file name: the row no longer names it.
    if (old) await unlink(this.onDisk(old)).catch(() => undefined);
    return this.get(id, reach);
  }

  /** The customer's logo file and type; 404 when it has none. */
  async logo(id: string, reach: Reach): Promise<{ file: string; type: LogoType; sha256: string }> {
    const c = await this.get(id, reach);
    if (!c.logoPath) throw new ProblemException('not-found', `customer ${id} has no logo`);
    return { file: this.onDisk(c.logoPath), type: c.logoType as LogoType, sha256: c.logoSha256 as string };
  }

  /** Forgets the customer's logo (the row first, then the file); nothing to forget is fine. */
  async clearLogo(id: string, reach: Reach): Promise<void> {
    const old = await this.db.transaction(async (m) => {
      const row = await this.locked(m.getRepository(Customer), id, reach);
      if (row.logoPath) await m.getRepository(Customer).update({ id }, { logoPath: null, logoType: null, logoBytes: null, logoSha256: null });
      return row.logoPath;
    });
    if (old) await unlink(this.onDisk(old)).catch(() => undefined);
  }

  private async locked(repo: Repository<Customer>, id: string, reach: Reach): Promise<Customer> {
    const row = await repo.findOne({ where: reach.kind === 'account' ? { id, accountId: reach.accountId } : { id }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new ProblemException(404, `customer ${id} not found`);
    return row;
  }

  private onDisk(path: string): string {
    return resolve(this.config.ARTIFACT_DIR, path);
  }
}
