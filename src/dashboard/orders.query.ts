import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { isUuid } from '../common/ids';
import { Job } from '../orders/job.entity';
import { JOB_STATUSES, JobStatus } from '../orders/statuses';
import { JobView, jobView } from '../orders/job-view';
import { OrderBadge, orderBadge } from './order-badge';

export interface OrderFilters {
  status?: JobStatus;
  priority?: number;
  customerId?: string;
  /** Business name, email, order or customer id, directory id or name, or error text. */
  q?: string;
  cursor?: string;
}

export type OrderRow = JobView & { businessName: string; email: string };

export const PAGE_SIZE = 50;

/** Reads what a filter form sent, dropping what is not a valid filter (the page shows what applied). */
export function orderFilters(query: Record<string, unknown>): OrderFilters {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined);
  const status = str(query.status);
  const priority = Number(str(query.priority));
  const customerId = str(query.customer);
  return {
    status: (JOB_STATUSES as readonly string[]).includes(status ?? '') ? (status as JobStatus) : undefined,
    priority: Number.isInteger(priority) && priority >= 1 && priority <= 4 ? priority : undefined,
    customerId: isUuid(customerId) ? customerId : undefined,
    q: str(query.q),
    cursor: str(query.cursor),
  };
}

/** `%text%` for ILIKE, with the pattern characters in the text taken literally. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The orders table: filters and search done by PostgreSQL. Search matches an order or customer id
 * exactly, and otherwise looks for the text in business names and emails and, through the order's
 * rows, in directory ids and names and in error messages; the trigram indexes keep the substring
 * matches from reading every row.
 */
@Injectable()
export class OrdersQuery {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(f: OrderFilters): Promise<{ items: OrderRow[]; nextCursor: string | null }> {
    const qb = this.db
      .getRepository(Job)
      .createQueryBuilder('j')
      .innerJoin('customers', 'c', 'c.id = j.customer_id')
      .addSelect('c.business_name', 'customer_name')
      .addSelect('c.email', 'customer_email')
      .orderBy('j.created_at', 'DESC')
      .addOrderBy('j.id', 'DESC')
      .limit(PAGE_SIZE + 1);
    if (f.status) qb.andWhere('j.status = :status', { status: f.status });
    if (f.priority) qb.andWhere('j.priority = :priority', { priority: f.priority });
    if (f.customerId) qb.andWhere('j.customer_id = :customerId', { customerId: f.customerId });
    if (isUuid(f.q)) {
      qb.andWhere('(j.id = :uuid OR j.customer_id = :uuid)', { uuid: f.q });
    } else if (f.q) {
      qb.andWhere(
        `(c.business_name ILIKE :pattern OR c.email ILIKE :pattern
          OR j.id IN (SELECT r.job_id FROM job_results r WHERE r.error_message ILIKE :pattern)
          OR j.id IN (SELECT r.job_id FROM job_results r WHERE r.directory_id IN
                        (SELECT d.id FROM directories d WHERE d.id = :text OR d.name ILIKE :pattern)))`,
        { pattern: contains(f.q), text: f.q },
      );
    }
    const after = this.cursor(f.cursor);
    if (after) qb.andWhere('(j.created_at, j.id) < (:createdAt, :id)', after);
    const { entities, raw } = await qb.getRawAndEntities<{ customer_name: string; customer_email: string; j_id: string }>();
    const names = new Map(raw.map((r) => [r.j_id, r]));
    const rows = entities.map((job) => ({ ...jobView(job), businessName: names.get(job.id)?.customer_name ?? '', email: names.get(job.id)?.customer_email ?? '' }));
    const more = rows.length > PAGE_SIZE;
    const items = rows.slice(0, PAGE_SIZE);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  /** A cursor this page issued, or none: a stale or edited link shows the first page. */
  private cursor(value: string | undefined) {
    try {
      const c = decodeCursor(value);
      return c && isUuid(c.id) ? c : undefined;
    } catch {
      return undefined;
    }
  }

  /** Current progress and badge of the orders a page shows, for its catch-up after a reconnect. */
  async progress(ids: string[]): Promise<Array<JobView & { badge: OrderBadge }>> {
    const valid = ids.filter(isUuid).slice(0, 200);
    if (!valid.length) return [];
    const jobs = await this.db.getRepository(Job).createQueryBuilder('j').where('j.id IN (:...valid)', { valid }).getMany();
    return jobs.map(jobView).map((job) => ({ ...job, badge: orderBadge(job) }));
  }
}
