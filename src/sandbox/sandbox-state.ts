import { PageFaults } from './page-faults';

export type SubmissionOutcome = 'accepted' | 'already_listed' | 'rejected';

/** One final-step POST the sandbox processed (flaky 500s happen before this and are not kept). */
export interface ReceivedSubmission {
  slug: string;
  position: number;
  website: string;
  businessName: string;
  /** The POST's fields under the form's own names, as received. */
  fields: Record<string, string>;
  outcome: SubmissionOutcome;
  at: string;
}

/**
 * One visit to a directory: from its form page being opened to its final POST being answered (the
 * browser carries a session cookie between the two). Unanswered while `answeredAt` is absent.
 */
export interface FormSession {
  slug: string;
  openedAt: number;
  answeredAt?: number;
  website?: string;
}

export interface SubmissionsSnapshot {
  total: number;
  bySlug: Record<string, number>;
  submissions: ReceivedSubmission[];
}

/** Everything the sandbox remembers, in memory only: a restart or reset forgets it all. */
export class SandboxState {
  private submissions: ReceivedSubmission[] = [];
  private listed = new Set<string>();
  private flakyTripped = new Set<string>();
  private sessionList: FormSession[] = [];
  /** Faults tests switch on per directory; a reset switches them off. */
  readonly faults = new PageFaults();

  isListed(slug: string, website: string): boolean {
    return this.listed.has(key(slug, website));
  }

  /** True only the first time it is asked about a (slug, website): that attempt gets the 500. */
  tripFlaky(slug: string, website: string): boolean {
    const k = key(slug, website);
    if (this.flakyTripped.has(k)) return false;
    this.flakyTripped.add(k);
    return true;
  }

  record(submission: ReceivedSubmission): void {
    this.submissions.push(submission);
    if (submission.outcome === 'accepted') this.listed.add(key(submission.slug, submission.website));
  }

  /** A form page was opened; answers the session's id for its cookie. */
  openSession(slug: string): string {
    this.sessionList.push({ slug, openedAt: Date.now() });
    return String(this.sessionList.length - 1);
  }

  /** The session's final POST was answered (an unknown or foreign id is ignored). */
  answerSession(id: string | undefined, slug: string, website: string): void {
    const s = id === undefined ? undefined : this.sessionList[Number(id)];
    if (s && s.slug === slug && s.answeredAt === undefined) Object.assign(s, { answeredAt: Date.now(), website });
  }

  sessions(): FormSession[] {
    return this.sessionList.map((s) => ({ ...s }));
  }

  all(): ReceivedSubmission[] {
    return [...this.submissions];
  }

  snapshot(): SubmissionsSnapshot {
    const bySlug: Record<string, number> = {};
    for (const s of this.submissions) bySlug[s.slug] = (bySlug[s.slug] ?? 0) + 1;
    return { total: this.submissions.length, bySlug, submissions: this.all() };
  }

  reset(): void {
    this.submissions = [];
    this.listed.clear();
    this.flakyTripped.clear();
    this.sessionList = [];
    this.faults.clear();
  }
}

function key(slug: string, website: string): string {
  return `${slug}\u0000${website}`;
}
