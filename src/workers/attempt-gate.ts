import { crashPoint } from '../common/crash-point';
import type { AppConfig } from '../config/config.schema';
import type { AttemptContext, ResultsService } from '../results/results.service';
import { type ClickGate, SubmitAborted } from '../engine/listing-submitter';

/**
 * The worker's side of the click handshake (see {@link ClickGate}): opening it records on the
 * row (ResultsService.markSubmitting, fenced by the attempt's token) that this attempt is
 * submitting until the click lease runs out. `opened` tells the service afterwards whether the
 * attempt may have clicked.
 */
export class AttemptGate implements ClickGate {
  opened = false;

  constructor(
    private readonly results: ResultsService,
    private readonly ctx: Pick<AttemptContext, 'resultId' | 'token'>,
    private readonly config: AppConfig,
  ) {}

  async open(): Promise<number> {
    // Measured before the database call, so the local deadline never outlasts the recorded one.
    const deadline = Date.now() + this.config.SUBMIT_LEASE_MS;
    if (!(await this.results.markSubmitting(this.ctx.resultId, this.ctx.token, this.config.SUBMIT_LEASE_MS))) {
      throw new SubmitAborted('order paused or cancelled, or a newer attempt owns this directory');
    }
    crashPoint(this.config, 'worker.before-submit');
    this.opened = true; // from here on, "may have clicked"
    return deadline;
  }
}
