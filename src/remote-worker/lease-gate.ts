import { ClickDeadlinePassed, type ClickGate, SubmitAborted } from '../engine/listing-submitter';
import type { Lease } from '../leases/protocol';
import { ApiProblem, ApiUnavailable, LeaseExpired, type WorkerApi } from './api-client';
import { RETRY_FOR_MS } from './constants';
import type { LeaseWatch } from './lease-watch';

/**
 * The click's handshake over the protocol: `submitting` records on the server that the attempt
 * is about to click (from then on a lost answer is verified, never blindly resubmitted) and
 * answers the time the click must have happened by.
 */
export class LeaseGate implements ClickGate {
  constructor(
    private readonly api: WorkerApi,
    private readonly lease: Lease,
    private readonly watch: LeaseWatch,
  ) {}

  async open(): Promise<number> {
    this.watch.progress = 'submitting';
    try {
      const { clickBy, expiresAt } = await this.api.submitting(this.lease, RETRY_FOR_MS.submitting);
      this.watch.renewed(expiresAt);
      return clickBy;
    } catch (err) {
      this.watch.noticed(err);
      // A 409: the order was paused or cancelled, or the lease is gone; the server settled it.
      if (err instanceof LeaseExpired || (err instanceof ApiProblem && err.status === 409)) throw new SubmitAborted(err.message);
      // No answer: the click cannot have a deadline, so it does not happen. The server may have
      // recorded `submitting` all the same; it then asks the directory before anyone tries again.
      if (err instanceof ApiUnavailable) throw new ClickDeadlinePassed();
      throw err;
    }
  }
}
