import { Global, Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { LiveHub } from './live-hub.service';
import { LivePublisher } from './live-publisher';
import { OpenStreams } from './open-streams';

/** The announcing side of live updates, in every process that changes orders. */
@Global()
@Module({ providers: [LivePublisher], exports: [LivePublisher] })
export class LiveModule {}

/** The listening side, in the API only: live feeds for the staff dashboard and API clients, and who may hold them. */
@Global()
@Module({ imports: [OrdersModule], providers: [LiveHub, OpenStreams], exports: [LiveHub, OpenStreams] })
export class LiveFeedModule {}
