import { Account, ApiKey } from '../auth/api-key.entity';
import { Customer } from '../customers/customer.entity';
import { Directory, DirectoryRevision } from '../directories/directory.entity';
import { Job } from '../orders/job.entity';
import { JobResult } from '../orders/job-result.entity';

export const ENTITIES = [Account, ApiKey, Customer, Directory, DirectoryRevision, Job, JobResult];
