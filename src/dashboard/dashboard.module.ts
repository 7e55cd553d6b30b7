import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { staffBasicAuth } from '../auth/staff-basic-auth';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { QUEUE_NAMES } from '../queue/queue.constants';
import { BULL_BOARD_ROUTE } from './bull-board.constants';

/** Staff views of the system. For now: Bull Board over every queue, behind the staff credential. */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        route: BULL_BOARD_ROUTE,
        adapter: ExpressAdapter,
        middleware: staffBasicAuth(config.ADMIN_CREDENTIALS),
        boardOptions: { uiConfig: { boardTitle: 'Boltline queues' } },
      }),
    }),
    // Retrying a BullMQ job by hand would not reopen its finished row (processors ask PostgreSQL
    // first), so it would do nothing: staff retry orders through the API, which does.
    ...QUEUE_NAMES.map((name) => BullBoardModule.forFeature({ name, adapter: BullMQAdapter, options: { allowRetries: false } })),
  ],
})
export class DashboardModule {}
