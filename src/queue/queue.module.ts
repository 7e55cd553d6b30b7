import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { queueTelemetry } from '../tracing/tracing-config';
import { QUEUE_NAMES } from './queue.constants';
import { RedisFitness } from './redis-fitness';
import { closeClusterClients, keyPrefix, queueConnection } from './redis-connection';

/**
 * Registers the queues (producer side) in every process. Only the workers module adds
 * `@Processor`s, so the API process can enqueue but never consumes.
 */
/** Closes the Redis Cluster clients BullMQ was given (it never closes a client it did not make). */
@Injectable()
class ClusterClientsClosed implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return closeClusterClients();
  }
}

@Module({})
export class QueueModule {
  static forRole(role: 'producer' | 'worker'): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: queueConnection(config, role),
            prefix: keyPrefix(config),
            ...queueTelemetry(config),
          }),
        }),
        ...QUEUE_NAMES.map((name) => BullModule.registerQueue({ name })),
      ],
      providers: [RedisFitness, ClusterClientsClosed],
      exports: [BullModule],
    };
  }
}
