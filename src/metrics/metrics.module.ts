import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { StoreGauges } from './store-gauges';

/** The process's metrics, for every feature to count into (both kinds of process). */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}

/** The API's `/metrics`, with the gauges read from the stores at scrape time. */
@Module({ controllers: [MetricsController], providers: [StoreGauges] })
export class MetricsApiModule {}
