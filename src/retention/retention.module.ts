import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';

/** Deletes what is past its retention (run on schedule by the maintenance queue). */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
