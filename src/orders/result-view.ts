import { apiPath } from '../common/api-path';
import type { JobResult } from './job-result.entity';

/** Where the API serves a result's screenshot: behind the same key checks as the result itself. */
export const screenshotUrl = (jobId: string, directoryId: string) => apiPath(`/jobs/${jobId}/results/${encodeURIComponent(directoryId)}/screenshot`);

/**
 * What the API says about one directory of an order. Fields are listed, not copied: the row's
 * fencing token and where its screenshot lies on the server's disk are not for clients.
 */
export function resultView(r: JobResult) {
  return {
    id: r.id,
    jobId: r.jobId,
    directoryId: r.directoryId,
    directoryRevision: r.directoryRevision,
    status: r.status,
    attempts: r.attempts,
    generation: r.generation,
    responseLog: r.responseLog,
    errorMessage: r.errorMessage,
    reference: r.reference,
    screenshotUrl: r.screenshotPath ? screenshotUrl(r.jobId, r.directoryId) : null,
    durationMs: r.durationMs,
    startedAt: r.startedAt,
    submittedAt: r.submittedAt,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
  };
}
export type ResultView = ReturnType<typeof resultView>;

