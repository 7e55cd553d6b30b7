import { Account, ApiKey } from '../src/auth/api-key.entity';
import { Customer } from '../src/customers/customer.entity';
import { Directory, DirectoryRevision } from '../src/directories/directory.entity';
import { JobResult } from '../src/orders/job-result.entity';
import { Job } from '../src/orders/job.entity';
import { WorkerLease } from '../src/leases/worker-lease.entity';

/**
 * Every entity, for the tools that stand outside the app (tests' scratch databases, the demo):
 * the app registers each feature's own (TypeOrmModule.forFeature), so src/ keeps no such list.
 */
export const ALL_ENTITIES = [Account, ApiKey, Customer, Directory, DirectoryRevision, Job, JobResult, WorkerLease];
