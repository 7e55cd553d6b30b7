import type { Page } from 'playwright-core';
import type { CodeAdapterDefinition } from '../../directories/definition/adapter.schema';
import { openFormPage, type RunResult } from '../form-runner';
import { OutcomeUnknown, type ClickGate, type ListingValues } from '../listing-submitter';
import { codeAdapterSubmit } from './code-adapter';
import { CODE_ADAPTERS } from './registry';

/**
 * Runs a definition whose `code` names a code adapter: opens the form page (an HTTP error there
 * means what it means for any definition), hands the page to the module, and checks what it
 * returns. Which parts of the definition apply: `timeouts` (the step timeout given here and the
 * attempt's), `permanentFailures` (an `error` whose message matches one is final), `verify` and
 * `limits` (used by the worker around the attempt, as for any definition).
 */
export async function runCodeAdapter(
  page: Page,
  adapter: CodeAdapterDefinition,
  submitUrl: string,
  values: ListingValues,
  log: (event: string, detail?: string) => void,
  clickGate: ClickGate,
  stepTimeoutMs: number,
): Promise<RunResult> {
  // The schema only admits registered names; a stored definition can outlive a module removed since.
  const module = Object.hasOwn(CODE_ADAPTERS, adapter.code) ? CODE_ADAPTERS[adapter.code] : undefined;
  if (!module) throw new Error(`this worker has no code adapter called "${adapter.code}" (it has ${Object.keys(CODE_ADAPTERS).join(', ')})`);
  page.setDefaultTimeout(stepTimeoutMs);

  const refused = await openFormPage(page, submitUrl, log);
  if (refused) return refused;

  const gate = codeAdapterSubmit(clickGate, log);
  const result = await module.run(page, values, { log, stepTimeoutMs, submit: (control) => gate.submit(control) });
  if (result.kind === 'submitted' && !gate.used) {
    // Its click, if it made one, skipped the checks that keep a listing from going out twice:
    // the next attempt asks the directory (verify) before anything else.
    throw new OutcomeUnknown(`code adapter ${module.name} answered "submitted" without going through ctx.submit()`);
  }
  if (result.kind === 'error' && result.message && adapter.permanentFailures.some((p) => new RegExp(p, 'i').test(result.message!))) {
    return { ...result, kind: 'rejected', retryAfterMs: undefined };
  }
  return result;
}
