import { Module } from '@nestjs/common';
import { ProblemsController } from './problems.controller';

/** The problem types of error answers, documented at their URIs. */
@Module({ controllers: [ProblemsController] })
export class ProblemsModule {}
