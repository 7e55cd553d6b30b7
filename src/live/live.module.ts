import { Global, Module } from '@nestjs/common';
import { EventTokens } from './event-tokens';
import { LiveHub } from './live-hub.service';
import { LivePublisher } from './live-publisher';

/** The announcing side of live updates, in every process that changes orders. */
@Global()
@Module({ providers: [LivePublisher], exports: [LivePublisher] })
export class LiveModule {}

/** The listening side, in the API only: live feeds for the staff dashboard and API clients. */
@Global()
@Module({ providers: [LiveHub, EventTokens], exports: [LiveHub, EventTokens] })
export class LiveFeedModule {}
