import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { dataSourceOptions } from './data-source';
import { DatabaseUnavailableInterceptor } from './database-unavailable.interceptor';
import { DatabaseWatchdog } from './database-watchdog';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      // Each feature module registers the entities it reads (TypeOrmModule.forFeature).
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config.DATABASE_URL, 'app', []), autoLoadEntities: true }),
    }),
  ],
})
export class DatabaseModule {}

/** For the API: a watchdog on PostgreSQL that turns requests into a fast 503 while it is away. */
@Module({
  providers: [DatabaseWatchdog, { provide: APP_INTERCEPTOR, useClass: DatabaseUnavailableInterceptor }],
  exports: [DatabaseWatchdog],
})
export class DatabaseWatchdogModule {}
