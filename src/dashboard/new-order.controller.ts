import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Caller, EVERY_ACCOUNT, Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import { isUuid } from '../common/ids';
import { CUSTOMER_FIELDS } from '../customers/customer-fields';
import { CustomersService } from '../customers/customers.service';
import { CreateCustomerDto } from '../customers/dto/create-customer.dto';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { PACKAGE_SIZES } from '../orders/statuses';
import { JobsService } from '../jobs/jobs.service';
import { expected, redirectWith, staffActor } from './staff-action';
import { Views } from './views';

type Errors = Record<string, string[]>;

function collect(errors: ValidationError[], into: Errors = {}): Errors {
  for (const e of errors) into[e.property] = Object.values(e.constraints ?? {});
  return into;
}

/**
 * Staff place an order as an API client would: a new customer (or an existing one by id) and a
 * package or chosen directories, with a priority. Everything is validated before anything is
 * written; a form with mistakes comes back filled in, each mistake next to its field. The form
 * carries a one-time request id used as the order's Idempotency-Key, so a double click or a
 * resent form makes one order.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/new-order')
export class NewOrderController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly customers: CustomersService,
    private readonly jobs: JobsService,
    private readonly audit: AuditService,
    private readonly views: Views,
  ) {}

  @Get()
  async form(@Req() req: StaffRequest, @Res() res: Response) {
    await this.render(req, res, { requestId: randomUUID(), packageSize: '100', priority: '3', source: 'package' }, {});
  }

  @Post()
  async create(@Req() req: StaffRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const values: Record<string, unknown> = { ...body };
    delete values._csrf;
    const requestId = isUuid(body.requestId) ? body.requestId : randomUUID();
    const caller: Caller = { keyId: `staff:${req.staff?.id}`, name: req.staff?.email ?? 'staff', scopes: ['admin'], accountId: null };
    const key = `dashboard:${requestId}`;

    const [replay] = await this.db.query(`SELECT job_id FROM idempotency_keys WHERE scope = $1 AND key = $2`, [caller.keyId, key]);
    if (replay) return res.redirect(303, `/dashboard/orders/${replay.job_id}`);

    const existing = typeof body.customerId === 'string' && body.customerId.trim() ? body.customerId.trim() : undefined;
    const customerDto = plainToInstance(CreateCustomerDto, Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, body[f] === '' && f === 'description' ? undefined : body[f]])));
    const directoryIds = ([] as unknown[]).concat(body.directoryIds ?? []);
    const jobDto = plainToInstance(CreateJobDto, {
      customerId: existing ?? '00000000-0000-4000-8000-000000000000', // checked for real once the customer exists
      ...(body.source === 'directories' ? { directoryIds } : { packageSize: Number(body.packageSize) }),
      priority: Number(body.priority),
    });
    const errors = collect(await validate(jobDto));
    if (existing && errors.customerId) errors.customerId = ['customer id must be a UUID, or leave it empty to create a customer'];
    if (!existing) {
      collect(await validate(customerDto), errors);
      // An empty field needs filling in, whatever else a validator says of an empty string.
      for (const f of CUSTOMER_FIELDS) if (f !== 'description' && !String(body[f] ?? '').trim()) errors[f] = ['required: fill this in'];
    }
    if (Object.keys(errors).length) return this.render(req, res, { ...values, requestId }, errors, 422);

    let customerId = existing;
    try {
      if (!customerId) customerId = (await this.customers.create(customerDto, EVERY_ACCOUNT)).id;
      const { body: job } = await this.jobs.create({ ...jobDto, customerId }, caller, { idempotencyKey: key, requestId: String(req.id) });
      await this.audit.record({ ...staffActor(req), action: 'job.create', jobId: job.id, detail: { customerId, total: job.progress.total, priority: job.priority } });
      await redirectWith(req, res, `/dashboard/orders/${job.id}`, 'notice', `Order created: ${job.progress.total} directories, priority ${job.priority}${job.status === 'awaiting_approval' ? ', awaiting approval' : ''}.`);
    } catch (err) {
      const message = expected(err);
      // The customer was made; keep it, so a second try does not make another.
      await this.render(req, res, { ...values, requestId: randomUUID(), customerId: customerId ?? '' }, { form: [message] }, 422);
    }
  }

  private async render(req: StaffRequest, res: Response, values: Record<string, unknown>, errors: Errors, status = 200) {
    const directories = await this.db.query(`SELECT id, name FROM directories WHERE enabled ORDER BY position, id`);
    const chosen = new Set(([] as unknown[]).concat(values.directoryIds ?? []));
    this.views.send(req, res, 'new-order.njk', { title: 'New order', values, errors, directories, chosen: [...chosen], packageSizes: PACKAGE_SIZES, fields: CUSTOMER_FIELDS }, status);
  }
}
