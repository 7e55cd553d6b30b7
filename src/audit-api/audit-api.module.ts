import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/**
 * The audit log read over the API (admin keys). Apart from the log itself (audit/, which everyone
 * writes to, auth included) because reading it needs auth's scopes: audit stays under auth.
 */
@Module({ controllers: [AuditController] })
export class AuditApiModule {}
