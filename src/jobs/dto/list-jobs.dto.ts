import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/paging.dto';
import { JOB_OUTCOMES, JOB_STATUSES, JobOutcome, JobStatus } from '../../orders/statuses';

export class ListJobsDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional() @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status?: JobStatus;

  @ApiPropertyOptional({ enum: JOB_OUTCOMES, description: 'Only orders that ended this way.' })
  @IsOptional() @IsIn(JOB_OUTCOMES, { message: `outcome must be one of ${JOB_OUTCOMES.join(', ')}` })
  outcome?: JobOutcome;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID('all', { message: 'customerId must be a UUID' })
  customerId?: string;
}
