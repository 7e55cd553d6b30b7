import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';
import { DatabaseWatchdogModule } from '../database/database.module';
import { Templates } from '../views/templates';
import { AccessNotices } from './access-notices';
import { Account, ApiKey } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { EventTokens } from './event-tokens';
import { KeysController } from './keys.controller';
import { LoginController } from './login.controller';
import { StaffSessions } from './staff-sessions';
import { StaffService } from './staff.service';
import { KeyThrottlerGuard, RateLimitStorage, RateLimitStorageModule } from './rate-limit';

/** The sign-in page (views/login.njk) over the staff pages' shared layout. */
const signInTemplates = { provide: Templates, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Templates(config, join(__dirname, 'views')) };

/**
 * Who may do what: API keys (the guard every API route passes, per-key rate limits, key
 * management) and staff (accounts, sessions, the sign-in page).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Account, ApiKey]),
    DatabaseWatchdogModule,
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [APP_CONFIG, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage) => ({
        // 'default' names the answer's header plain Retry-After (others get a -<name> suffix).
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
        storage,
      }),
    }),
  ],
  controllers: [KeysController, LoginController],
  providers: [signInTemplates, ApiKeysService, KeyThrottlerGuard, StaffService, StaffSessions, EventTokens, AccessNotices, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [StaffSessions, EventTokens, AccessNotices],
})
export class AuthModule {}
