import type { Locator } from 'playwright-core';
import { CODE_ADAPTER_NAMES } from '../../directories/definition/code-adapter-names';
import { ClickDeadlinePassed, SubmitAborted } from '../listing-submitter';
import { codeAdapterSubmit } from './code-adapter';
import { CODE_ADAPTERS } from './registry';

it('has a module for every name the schema accepts, and no other, each under its own name', () => {
  expect(Object.keys(CODE_ADAPTERS).sort()).toEqual([...CODE_ADAPTER_NAMES].sort());
  for (const [name, adapter] of Object.entries(CODE_ADAPTERS)) expect(adapter.name).toBe(name);
});

describe('ctx.submit', () => {
  /** A button that records what was done to it. */
  const button = (calls: string[]) => ({ click: async (o?: { trial?: boolean }) => void calls.push(o?.trial ? 'trial' : 'click') }) as unknown as Locator;

  it('tries the button, opens the click gate, then clicks, once', async () => {
    const calls: string[] = [];
    const gate = codeAdapterSubmit({ open: async () => (calls.push('gate open'), Date.now() + 60_000) }, (e) => calls.push(e));
    expect(gate.used).toBe(false);
    await gate.submit(button(calls));
    expect(calls).toEqual(['trial', 'gate open', 'submitting', 'click']);
    expect(gate.used).toBe(true);
    await expect(gate.submit(button(calls))).rejects.toThrow('a second time');
    expect(calls.filter((c) => c === 'click')).toHaveLength(1);
  });

  it('does not click when the attempt may not submit or its deadline has passed', async () => {
    const calls: string[] = [];
    const stopped = codeAdapterSubmit({ open: async () => { throw new SubmitAborted('order paused'); } }, () => undefined);
    await expect(stopped.submit(button(calls))).rejects.toBeInstanceOf(SubmitAborted);
    const late = codeAdapterSubmit({ open: async () => Date.now() - 1 }, () => undefined);
    await expect(late.submit(button(calls))).rejects.toBeInstanceOf(ClickDeadlinePassed);
    expect(calls).toEqual(['trial', 'trial']);
  });

  it('lets a button that is not there yet be tried again: nothing irreversible happened', async () => {
    let ready = false;
    const calls: string[] = [];
    const flaky = { click: async (o?: { trial?: boolean }) => { if (!ready) throw new Error('not visible'); calls.push(o?.trial ? 'trial' : 'click'); } } as unknown as Locator;
    const gate = codeAdapterSubmit({ open: async () => Date.now() + 60_000 }, () => undefined);
    await expect(gate.submit(flaky)).rejects.toThrow('not visible');
    expect(gate.used).toBe(false);
    ready = true;
    await gate.submit(flaky);
    expect(calls).toEqual(['trial', 'click']);
  });
});
