import { Module } from '@nestjs/common';
import { JobDispatcher } from './job-dispatcher';
import { OutboxRelay } from './outbox-relay.service';
import { Reconciler } from './reconciler.service';

/** PostgreSQL → BullMQ: the outbox relay and the reconciler. Runs in the API process. */
@Module({
  providers: [JobDispatcher, OutboxRelay, Reconciler],
  exports: [JobDispatcher, OutboxRelay, Reconciler],
})
export class DispatchModule {}
