import type { Locator, Page } from 'playwright-core';
import type { CodeAdapterName } from '../../directories/definition/code-adapter-names';
import type { RunResult } from '../form-runner';
import { ClickDeadlinePassed, type ClickGate, type ListingValues } from '../listing-submitter';

/**
 * The port for a site the adapter language cannot describe: a TypeScript module that fills the
 * form and reads the answer itself, in place of a definition's `steps`. It gets the page already
 * at the definition's submit URL, and returns the outcome as the form runner would.
 *
 * The irreversible click is not the module's to make: it hands its final button to
 * `ctx.submit()`, which makes the same checks as the form runner (the button is there and
 * clickable, the attempt still owns the row, the click's deadline has not passed) and then clicks.
 * A module never sees the attempt's ClickGate, and a `submitted` outcome without `ctx.submit()` is not
 * believed (see runCodeAdapter).
 */
export interface CodeAdapter {
  readonly name: CodeAdapterName;
  run(page: Page, values: ListingValues, ctx: CodeAdapterContext): Promise<RunResult>;
}

export interface CodeAdapterContext {
  /** Adds a line to the row's log (shown to staff): what was filled, what the site answered. */
  log(event: string, detail?: string): void;
  /** Longest wait for one step (the page's default timeout is set to it already). */
  stepTimeoutMs: number;
  /**
   * Makes the irreversible click on `control`, once per attempt: a trial click, then the
   * attempt's check that it may still submit (which throws when it may not: let that error
   * through), then the deadline check, then the click. Start listening for the answer before
   * calling it; everything that can wait should happen before it.
   */
  submit(control: Locator): Promise<void>;
}

/** The `ctx.submit` of one attempt, and whether it was used. */
export interface CodeAdapterSubmit {
  submit(control: Locator): Promise<void>;
  readonly used: boolean;
}

/** The one place a code adapter's final click happens: the handshake of the form runner's last step. */
export function codeAdapterSubmit(gate: ClickGate, log: (event: string, detail?: string) => void): CodeAdapterSubmit {
  let used = false;
  return {
    get used() {
      return used;
    },
    async submit(control) {
      if (used) throw new Error('ctx.submit() was called a second time: a code adapter makes the irreversible click once per attempt');
      // Nothing irreversible yet: a button that is missing or covered fails here, and may be tried again.
      await control.click({ trial: true });
      used = true;
      const deadline = await gate.open();
      log('submitting');
      if (Date.now() >= deadline) throw new ClickDeadlinePassed();
      await control.click();
    },
  };
}
