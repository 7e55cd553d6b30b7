import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { EVERY_ACCOUNT, Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { isRowId } from '../common/ids';
import { ProblemException } from '../common/problem.filter';
import { UuidPipe } from '../common/uuid.pipe';
import { sendEvidence } from '../evidence/screenshots';
import { EVIDENCE_STORE, type EvidenceStore } from '../evidence/evidence-store';
import { JobActionsService } from '../jobs/job-actions.service';
import { ALLOWED_FROM, ORDER_ACTIONS, type OrderAction } from '../orders/transitions';
import { JOB_STATUSES } from '../orders/statuses';
import { OrderDetailQuery } from './order-detail.query';
import { orderFilters, OrdersQuery } from './orders.query';
import { backTo, expected, redirectWith, staffActor } from './staff-action';
import { Views } from './views';

const orderId = new UuidPipe('order');
const isAction = (a: unknown): a is OrderAction => (ORDER_ACTIONS as readonly unknown[]).includes(a);
const ACTION_DONE: Record<OrderAction, string> = { approve: 'approved', pause: 'paused', resume: 'resumed', cancel: 'cancelled', retry: 'retried' };

/**
 * Orders: the table (filters, search, bulk actions), approvals, and one order in detail with its
 * per-directory rows and evidence. Signed-in staff only (see http-app.ts); acting needs admin.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class OrdersController {
  constructor(
    private readonly orders: OrdersQuery,
    private readonly detail: OrderDetailQuery,
    private readonly actions: JobActionsService,
    private readonly audit: AuditService,
    private readonly views: Views,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  @Get('orders')
  async list(@Req() req: StaffRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const filters = orderFilters(query);
    this.views.send(req, res, 'orders.njk', { title: 'Orders', filters, statuses: JOB_STATUSES, page: await this.orders.list(filters), here: req.originalUrl });
  }

  @Get('approvals')
  async approvals(@Req() req: StaffRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const filters = { ...orderFilters(query), status: 'awaiting_approval' as const };
    this.views.send(req, res, 'orders.njk', { title: 'Approvals', approvals: true, filters, statuses: JOB_STATUSES, page: await this.orders.list(filters), here: req.originalUrl });
  }

  /** Current progress of the orders a page shows (its catch-up after reconnecting). */
  @Get('orders/progress')
  progress(@Query('ids') ids: unknown) {
    return this.orders.progress(typeof ids === 'string' ? ids.split(',') : []);
  }

  /** The same action on every selected order; each one that cannot take it is reported, the rest go ahead. */
  @Post('orders/bulk')
  async bulk(@Req() req: StaffRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const back = backTo(body.back, '/dashboard/orders');
    const ids = ([] as unknown[]).concat(body.ids ?? []).filter((id): id is string => typeof id === 'string').slice(0, 200);
    if (!isAction(body.action)) return redirectWith(req, res, back, 'error', `Choose an action: ${ORDER_ACTIONS.join(', ')}.`);
    if (!ids.length) return redirectWith(req, res, back, 'error', 'Select at least one order first.');
    const action = body.action;
    const refused: string[] = [];
    let done = 0;
    for (const id of ids) {
      try {
        orderId.transform(id);
        await this.actions.act(id, action, EVERY_ACCOUNT); // staff act on every account's orders
        await this.audit.record({ ...staffActor(req), action: `job.${action}`, jobId: id, detail: { bulk: ids.length } });
        done++;
      } catch (err) {
        refused.push(expected(err));
      }
    }
    const text = `${done} of ${ids.length} orders ${ACTION_DONE[action]}.` + (refused.length ? ` Not done: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? '; …' : ''}` : '');
    await redirectWith(req, res, back, refused.length ? 'error' : 'notice', text);
  }

  @Get('orders/:id')
  async show(@Req() req: StaffRequest, @Res() res: Response, @Param('id', orderId) id: string) {
    const order = await this.detail.order(id);
    if (!order) throw new ProblemException(404, `order ${id} not found`);
    const rows = await this.detail.rows(id);
    // The actions its status allows now (the page's script follows later changes of status).
    const { status, progress } = order.job;
    const actions = ORDER_ACTIONS.filter((a) => ALLOWED_FROM[a].includes(status) && (a !== 'retry' || progress.failed > 0));
    this.views.send(req, res, 'order.njk', { title: `Order for ${order.customer.businessName}`, ...order, rows, actions, allActions: ORDER_ACTIONS, allowedFrom: ALLOWED_FROM });
  }

  /** Table rows of the order (or only `ids`), rendered as on the page: what live updates swap in. */
  @Get('orders/:id/rows')
  async rows(@Req() req: StaffRequest, @Res() res: Response, @Param('id', orderId) id: string, @Query('ids') ids: unknown) {
    const only = typeof ids === 'string' && ids ? ids.split(',').filter(isRowId).slice(0, 500) : undefined;
    this.views.fragment(req, res, 'order-rows.njk', { rows: await this.detail.rows(id, only) });
  }

  @Post('orders/:id/actions/:action')
  async act(@Req() req: StaffRequest, @Res() res: Response, @Param('id', orderId) id: string, @Param('action') action: string) {
    const here = `/dashboard/orders/${id}`;
    if (!isAction(action)) throw new ProblemException(404, `unknown action ${action}; use one of ${ORDER_ACTIONS.join(', ')}`);
    try {
      await this.actions.act(id, action, EVERY_ACCOUNT);
    } catch (err) {
      return redirectWith(req, res, here, 'error', expected(err));
    }
    await this.audit.record({ ...staffActor(req), action: `job.${action}`, jobId: id });
    await redirectWith(req, res, here, 'notice', `Order ${ACTION_DONE[action]}.`);
  }

  @Post('orders/:id/priority')
  async priority(@Req() req: StaffRequest, @Res() res: Response, @Param('id', orderId) id: string, @Body() body: Record<string, unknown>) {
    const here = `/dashboard/orders/${id}`;
    try {
      const job = await this.actions.setPriority(id, Number(body.priority));
      await this.audit.record({ ...staffActor(req), action: 'job.priority', jobId: id, detail: { priority: job.priority } });
      await redirectWith(req, res, here, 'notice', `Priority set to ${job.priority}.`);
    } catch (err) {
      await redirectWith(req, res, here, 'error', expected(err));
    }
  }

  /** A row's screenshot, only from the evidence store, whatever the row says. */
  @Get('results/:id/screenshot')
  async screenshot(@Res() res: Response, @Param('id') id: string) {
    const stored = await this.detail.screenshotPath(id);
    const evidence = stored ? await this.evidence.open(stored) : undefined;
    if (!evidence) throw new ProblemException(404, `result ${id} has no screenshot`);
    sendEvidence(res.req, res, evidence);
  }
}
