import { Module } from '@nestjs/common';
import { ResultsModule } from '../results/results.module';
import { DirectoryAttention } from './directory-attention';
import { DirectoryCredentials } from './directory-credentials';
import { DirectoryTurns } from './directory-turns.service';
import { SubmissionService } from './submission.service';

/**
 * The rules of a submission, whoever drives the browser: claiming a row, a directory's turns and
 * its attention, its sign-in, and settling what the page came to. No browser and no consumer
 * here: the worker process adds those (WorkersModule), the API's lease routes for remote workers
 * use this as it is (src/leases).
 */
@Module({
  imports: [ResultsModule],
  providers: [SubmissionService, DirectoryTurns, DirectoryAttention, DirectoryCredentials],
  exports: [SubmissionService, DirectoryTurns, DirectoryAttention, DirectoryCredentials, ResultsModule],
})
export class SubmissionsModule {}
