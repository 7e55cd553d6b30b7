export const RESULT_STATUSES = [
  'pending',
  'submitting',
  'submitted',
  'failed',
  'retry',
  'cancelled',
  'needs_review',
  /** The directory's page reached outside the catalogue; final, never retried. */
  'blocked_by_policy',
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

