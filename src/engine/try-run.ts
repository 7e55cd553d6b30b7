import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { AdapterDefinition, FormStep, Target } from '../directories/definition/adapter.schema';
import { runCodeAdapter } from './code-adapters/run-code-adapter';
import { runAdapter, type RunResult } from './form-runner';
import { SubmitAborted, type ClickGate, type ListingValues } from './listing-submitter';
import { locate } from './targets';

/** What became of one target of a step, looked up on the page as the runner looks it up. */
export interface TargetReport {
  /** 1-based, as people count steps. */
  step: number;
  /** The customer field it takes, `check` (a checkbox) or `advance` (the step's button). */
  role: string;
  target: Target;
  status: 'matched' | 'not-found' | 'not-visible' | 'not-editable' | 'no-option';
  why?: string;
}

export interface TryReport {
  /** Every target of every step the run reached, in order. */
  targets: TargetReport[];
  /** True when the run got to the irreversible click and, without `submit`, stopped there. */
  reachedSubmit: boolean;
  /** With `submit`: what the page answered. */
  outcome?: RunResult;
  /** Why the run stopped early, when it did. */
  error?: string;
  screenshots: string[];
  log: { event: string; detail?: string }[];
}

export interface TryOptions {
  /** Go through with the irreversible click. */
  submit: boolean;
  screenshotDir: string;
  stepTimeoutMs: number;
}

/** Thrown from the click gate in a dry run: the form is filled, the click does not happen. */
class StopBeforeSubmit extends SubmitAborted {}

/**
 * The Try tool's run of an adapter on an open page: the worker's own form runner, stopped right
 * before the irreversible click unless `submit`. After each step is filled, and where the run
 * broke, every target of the step is looked up again and reported, and the page photographed.
 */
export async function tryOnPage(page: Page, adapter: AdapterDefinition, submitUrl: string, values: ListingValues, opts: TryOptions): Promise<TryReport> {
  await mkdir(opts.screenshotDir, { recursive: true });
  const report: TryReport = { targets: [], reachedSubmit: false, screenshots: [], log: [] };
  const shot = async (name: string) => {
    const path = join(opts.screenshotDir, `${name}.png`);
    try {
      await page.screenshot({ path, fullPage: true, timeout: 5000 });
      report.screenshots.push(path);
    } catch {
      // a page that cannot be photographed still gets its report
    }
  };
  const log = (event: string, detail?: string) => void report.log.push({ event, detail });
  const gate: ClickGate = {
    open: async () => {
      report.reachedSubmit = true;
      if (!opts.submit) {
        // A form definition was photographed step by step; a code adapter's form, as it would be sent.
        if (adapter.code) await shot('filled');
        throw new StopBeforeSubmit();
      }
      return Date.now() + opts.stepTimeoutMs;
    },
  };
  const probed = new Set<number>();
  const probe = async (i: number) => {
    probed.add(i);
    if (adapter.steps) report.targets.push(...(await probeStep(page, adapter.steps[i], i + 1, values)));
  };
  let next = 0;
  try {
    // A code adapter has no targets to report: its log and photographs say how far it got.
    report.outcome = adapter.code
      ? await runCodeAdapter(page, adapter, submitUrl, values, log, gate, opts.stepTimeoutMs)
      : await runAdapter(page, adapter, submitUrl, values, log, gate, opts.stepTimeoutMs, {
          afterFill: async (i) => {
            await probe(i);
            await shot(`step-${i + 1}`);
            next = i + 1;
          },
        });
    await shot('answer');
  } catch (err) {
    if (err instanceof StopBeforeSubmit) return report;
    report.error = (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);
    // The step the runner was in when it broke: the page is still where it stopped.
    if (adapter.steps && next < adapter.steps.length && !probed.has(next) && !page.isClosed()) await probe(next).catch(() => undefined);
    if (!page.isClosed()) await shot(report.reachedSubmit ? 'answer' : `step-${next + 1}-failed`);
  }
  return report;
}

async function probeStep(page: Page, step: FormStep, n: number, values: ListingValues): Promise<TargetReport[]> {
  const reports: TargetReport[] = [];
  for (const f of step.fields) {
    const value = f.field !== undefined ? (values[f.field] ?? '') : (f.const ?? undefined);
    const want =
      f.kind === 'upload' ? { file: true } : f.kind === 'select' && value !== undefined ? { option: value } : ['fill', 'date'].includes(f.kind) ? { editable: true } : {};
    reports.push({ step: n, role: f.field ?? (f.const !== undefined ? 'const' : 'template'), target: f.target, ...(await probeTarget(page, f.target, want)) });
  }
  for (const c of [...(step.click ?? []), ...(step.check ?? [])]) reports.push({ step: n, role: step.click?.includes(c) ? 'click' : 'check', target: c, ...(await probeTarget(page, c, {})) });
  if (step.advance) reports.push({ step: n, role: 'advance', target: step.advance, ...(await probeTarget(page, step.advance, {})) });
  return reports;
}

/** A look that does not wait: the runner already waited for the step to appear. */
async function probeTarget(page: Page, target: Target, want: { editable?: boolean; option?: string; file?: boolean }): Promise<Pick<TargetReport, 'status' | 'why'>> {
  const el = locate(page, target);
  if ((await el.count()) === 0) return { status: 'not-found', why: await notFoundWhy(page, target) };
  // A file input is often hidden behind a styled drop zone; the runner sets its files all the same.
  if (want.file) {
    const isFile = await el.evaluate((e) => e instanceof HTMLInputElement && e.type === 'file').catch(() => false);
    return isFile ? { status: 'matched' } : { status: 'not-editable', why: 'it is not a file input (<input type=file>), which kind: upload needs' };
  }
  if (!(await el.isVisible())) return { status: 'not-visible', why: 'it is on the page but hidden (a later step? behind a tab or a pop-up?)' };
  if (want.editable && !(await el.isEditable({ timeout: 1000 }).catch(() => false))) {
    return { status: 'not-editable', why: 'it is disabled or read-only, or not a text input (a select needs kind: select)' };
  }
  if (want.option !== undefined) {
    const has = await el
      .evaluate((s, v) => s instanceof HTMLSelectElement && Array.from(s.options).some((o) => o.value === v || o.label === v), want.option)
      .catch(() => false);
    if (!has) return { status: 'no-option', why: `no option has the value or label "${want.option}"` };
  }
  return { status: 'matched' };
}

async function notFoundWhy(page: Page, target: Target): Promise<string> {
  if ('label' in target) {
    const loose = await page.getByLabel(target.label).count();
    return loose
      ? `no control's label is exactly "${target.label}", but ${loose} contain it: labels are matched whole (copy the label as the page shows it)`
      : `no control has the label "${target.label}" (a <label> for it, aria-label or aria-labelledby)`;
  }
  if ('css' in target) return `nothing on the page matches the CSS selector ${target.css}`;
  return 'nothing on the page matches it';
}
