import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Express, RequestHandler } from 'express';
import { AuditService } from '../audit/audit.service';
import { StaffRequest, StaffSessions } from '../auth/staff-sessions';
import { QUEUE_NAMES } from '../queue/queue.constants';
import { BULL_BOARD_ROUTE, BULL_BOARD_VIEW_ROUTE } from './bull-board.constants';
import { sendProblem } from '../common/problem-types';

function board(basePath: string, queues: Queue[], readOnlyMode: boolean): ExpressAdapter {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    // Retrying a BullMQ job by hand would not reopen its finished row (processors ask PostgreSQL
    // first), so it would do nothing: staff retry orders through the API, which does.
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: false })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: readOnlyMode ? 'Boltline queues (read-only)' : 'Boltline queues' } },
  });
  return adapter;
}

/**
 * Bull Board twice over the same queues: in full for staff admins at BULL_BOARD_ROUTE, read-only
 * for viewers at BULL_BOARD_VIEW_ROUTE. Bull Board is Express middleware, where Nest guards do
 * not run, so each mount carries the staff session, role and cross-site checks itself; admins'
 * changes are written to the audit log.
 */
export function mountBullBoards(app: INestApplication, sessions: StaffSessions, audit: AuditService): void {
  const queues = QUEUE_NAMES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const express = app.getHttpAdapter().getInstance() as Express;

  const viewersToReadOnly: RequestHandler = (req: StaffRequest, res, next) => {
    if (req.staff?.role === 'admin') return next();
    if (req.method === 'GET' && !req.path.startsWith('/api/')) return res.redirect(303, BULL_BOARD_VIEW_ROUTE);
    sendProblem(res, 'forbidden', 'Viewers may only look: use the read-only board.');
  };
  const auditChanges: RequestHandler = (req: StaffRequest, res, next) => {
    if (req.method !== 'GET' && req.staff) {
      const staff = req.staff;
      res.on('finish', () => {
        if (res.statusCode < 400) void audit.record({ actorType: 'staff', actorId: staff.id, actor: staff.email, action: `bull-board.${req.method.toLowerCase()}`, detail: { path: req.path }, ip: req.ip });
      });
    }
    next();
  };

  express.use(BULL_BOARD_ROUTE, sessions.session, sessions.requireStaff({ redirect: true }), viewersToReadOnly, sessions.refuseCrossSite, auditChanges, board(BULL_BOARD_ROUTE, queues, false).getRouter(), sessions.errors);
  express.use(BULL_BOARD_VIEW_ROUTE, sessions.session, sessions.requireStaff({ redirect: true }), sessions.refuseCrossSite, board(BULL_BOARD_VIEW_ROUTE, queues, true).getRouter(), sessions.errors);
}
