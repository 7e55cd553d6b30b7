import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { QUEUE_NAMES } from './queue.constants';
import { RedisFitness } from './redis-fitness';
import { redisOptionsFromUrl } from './redis-options';

/**
 * Registers the queues (producer side) in every process. Only the workers module adds
 * `@Processor`s, so the API process can enqueue but never consumes.
 */
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
            connection: redisOptionsFromUrl(config.REDIS_URL, role),
            prefix: config.QUEUE_PREFIX,
          }),
        }),
        ...QUEUE_NAMES.map((name) => BullModule.registerQueue({ name })),
      ],
      providers: [RedisFitness],
      exports: [BullModule],
    };
  }
}
