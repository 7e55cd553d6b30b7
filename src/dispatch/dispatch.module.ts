import { Module } from '@nestjs/common';
import { Dispatcher } from './dispatcher.service';
import { Reconciler } from './reconciler.service';

/** PostgreSQL → BullMQ: the dispatcher (outbox relay) and the reconciler. Runs in the API process. */
@Module({
  providers: [Dispatcher, Reconciler],
  exports: [Dispatcher, Reconciler],
})
export class DispatchModule {}
