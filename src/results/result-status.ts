export const RESULT_STATUSES = [
  'pending',
  'submitting',
  'submitted',
  'failed',
  'retry',
  'cancelled',
  'needs_review',
] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

