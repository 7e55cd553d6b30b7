import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** Global: staff pages, key management and job actions all write to it. Read over the API in audit-api/. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
