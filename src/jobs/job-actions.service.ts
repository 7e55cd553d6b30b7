import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Reach } from '../auth/caller';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { Dispatcher } from '../dispatch/dispatcher.service';
import { LivePublisher } from '../live/live-publisher';
import { Job } from '../orders/job.entity';
import { JobView, jobView } from '../orders/job-view';
import { lockOrder } from '../orders/ledger';
import { applyOrderAction, setOrderPriority } from '../orders/order-actions';
import type { OrderAction } from '../orders/transitions';
import { holdOpenOrderLimit } from './open-order-limit';

/**
 * Staff and API actions on an order. Each runs in one transaction holding the order's lock (the
 * ledger in src/orders decides what the action may do), so it cannot interleave with another
 * action or with a worker's completion check. Anything that must reach Redis goes through the
 * outbox; queue removals afterwards are only tidying, since processors re-check PostgreSQL
 * before touching a browser.
 */
@Injectable()
export class JobActionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dispatcher: Dispatcher,
    private readonly live: LivePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Within `reach` only: another account's job is a 404, like a missing one. */
  async act(id: string, action: OrderAction, reach: Reach): Promise<JobView> {
    if (reach.kind === 'account') {
      const [visible] = await this.db.query(`SELECT 1 FROM jobs j JOIN customers c ON c.id = j.customer_id WHERE j.id = $1 AND c.account_id = $2`, [id, reach.accountId]);
      if (!visible) throw new ProblemException(404, `job ${id} not found`);
    }
    const { job, withdrawn } = await this.db.transaction(async (m) => {
      const current = await lockOrder(m, id);
      // A retry reopens a finished order: for an account's key that is one more open order.
      if (action === 'retry' && current.status === 'completed' && reach.kind === 'account') {
        await holdOpenOrderLimit(m, reach.accountId, this.config.MAX_OPEN_ORDERS_PER_ACCOUNT);
      }
      const withdrawn = await applyOrderAction(m, current, action);
      return { job: await m.findOneByOrFail(Job, { id }), withdrawn };
    });
    this.dispatcher.poke();
    this.live.publish({ jobId: id });
    if (withdrawn.length) await this.dispatcher.withdraw(withdrawn);
    return jobView(job);
  }

  /**
   * Changes an order's priority. PostgreSQL holds it; entries already queued in Redis are moved
   * to the new priority as a courtesy (one the reconciler would also make good if Redis lost them).
   */
  async setPriority(id: string, priority: number): Promise<JobView> {
    if (!Number.isInteger(priority) || priority < 1 || priority > 4) {
      throw new ProblemException(400, 'priority must be a whole number from 1 (most urgent) to 4', [{ field: 'priority', messages: ['use 1, 2, 3 or 4'] }]);
    }
    const { job, open } = await this.db.transaction(async (m) => {
      const open = await setOrderPriority(m, await lockOrder(m, id), priority);
      return { job: await m.findOneByOrFail(Job, { id }), open };
    });
    await this.dispatcher.reprioritise(open, priority);
    this.live.publish({ jobId: id });
    return jobView(job);
  }
}
