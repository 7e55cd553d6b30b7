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

/** A row in one of these states is done: nothing will touch it again without a staff action. */
export const FINAL_RESULT_STATUSES: readonly ResultStatus[] = ['submitted', 'failed', 'cancelled', 'needs_review'];
/** Rows still owed a submission attempt. */
export const OPEN_RESULT_STATUSES: readonly ResultStatus[] = ['pending', 'retry', 'submitting'];
