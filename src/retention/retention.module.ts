import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';

/** Deletes what is past its retention, on a schedule the API replicas share. */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
