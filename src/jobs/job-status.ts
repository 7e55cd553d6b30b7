export const JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused', 'completed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const PACKAGE_SIZES = [50, 100, 500] as const;
export type PackageSize = (typeof PACKAGE_SIZES)[number];
