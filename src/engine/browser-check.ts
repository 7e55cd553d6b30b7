import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import type { AppConfig } from '../config/config.schema';
import { BrowserPlan, disabledFeaturesOf, launchOptions } from './launch';

/** The settings the check reads: a host without Boltline's config (the remote worker) passes its own. */
export type BrowserSettings = Pick<AppConfig, 'CHROMIUM_PATH' | 'CHROMIUM_SANDBOX' | 'NODE_ENV' | 'CHROMIUM_ALLOW_UNSANDBOXED'>;

/** Distribution Chromium builds, tried in this order when CHROMIUM_PATH is unset; else Playwright's own, if installed. */
export const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Said wherever a worker or the demo finds no usable Chromium. */
export const INSTALL_HINT =
  'Install Debian\'s Chromium (`apt-get install -y chromium`), or set CHROMIUM_PATH to a Chromium or Chrome executable ' +
  '(e.g. CHROMIUM_PATH=/usr/bin/chromium). Playwright\'s own browser download is not used.';

/** What a container needs for the sandbox; said wherever it cannot start. */
export const SANDBOX_HINT =
  'Chromium\'s sandbox needs an unprivileged user (not root) and unprivileged user namespaces: on a host, ' +
  'sysctl user.max_user_namespaces > 0 (and kernel.unprivileged_userns_clone=1 where that exists); in Docker, ' +
  'the worker runs as the image\'s `node` user and the container needs a seccomp profile that allows ' +
  'clone/unshare with CLONE_NEWUSER (Docker\'s default profile refuses them; never --privileged or --cap-add SYS_ADMIN)';

/** A worker must not start with this browser; the message says what to fix. */
export class BrowserUnusable extends Error {}

export interface HostFacts {
  uid: number;
  /** Why this kernel offers no unprivileged user namespaces, or undefined when it seems to. */
  noUserNamespaces?: string;
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The facts that decide whether Chromium's sandbox can work here, read from /proc. */
export function hostFacts(): HostFacts {
  const max = readSysctl('/proc/sys/user/max_user_namespaces');
  let noUserNamespaces: string | undefined;
  if (max === undefined) noUserNamespaces = 'the kernel has no user namespaces';
  else if (max === '0') noUserNamespaces = 'user.max_user_namespaces is 0';
  else if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') noUserNamespaces = 'kernel.unprivileged_userns_clone is 0';
  else if (readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    noUserNamespaces = 'kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor allows them only to programs with a profile)';
  }
  return { uid: process.getuid?.() ?? -1, noUserNamespaces };
}

/** The first mode to try, or the reason none may be tried. Pure: the rules in one place. */
export function firstChoice(
  config: Pick<AppConfig, 'CHROMIUM_SANDBOX' | 'NODE_ENV' | 'CHROMIUM_ALLOW_UNSANDBOXED'>,
  facts: HostFacts,
): { sandbox: boolean; reason: string } {
  if (config.CHROMIUM_SANDBOX === 'off') return { sandbox: false, reason: 'CHROMIUM_SANDBOX=off' };
  if (facts.uid === 0) {
    // Chromium refuses to run its sandbox as root (crbug.com/638180): no launch can change that.
    if (config.CHROMIUM_SANDBOX === 'on') {
      throw new BrowserUnusable(`CHROMIUM_SANDBOX=on, but this worker runs as root, where Chromium refuses its sandbox. Run the worker as an unprivileged user. ${SANDBOX_HINT}.`);
    }
    return { sandbox: false, reason: 'the worker runs as root, where Chromium refuses its sandbox (run it as an unprivileged user to get one)' };
  }
  return { sandbox: true, reason: `the worker runs as uid ${facts.uid}${facts.noUserNamespaces ? '' : ' with user namespaces'}` };
}

/** Refuses a production worker whose Chromium would run without its sandbox, unless allowed. */
function refuseUnsandboxed(config: BrowserSettings, reason: string): void {
  if (config.NODE_ENV !== 'production' || config.CHROMIUM_ALLOW_UNSANDBOXED) return;
  throw new BrowserUnusable(
    `Chromium would run without its sandbox (${reason}), and NODE_ENV=production refuses that: hostile pages would run in a process ` +
      `that holds database and Redis credentials. ${SANDBOX_HINT}. Or set CHROMIUM_ALLOW_UNSANDBOXED=true to take that risk.`,
  );
}

/** CHROMIUM_PATH, else a distribution Chromium ({@link SYSTEM_CHROMIUMS}), else Playwright's own if installed. */
function findExecutable(config: BrowserSettings): string {
  if (config.CHROMIUM_PATH) {
    if (existsSync(config.CHROMIUM_PATH)) return config.CHROMIUM_PATH;
    throw new BrowserUnusable(`Chromium not found: there is no file at CHROMIUM_PATH=${config.CHROMIUM_PATH}. ${INSTALL_HINT}`);
  }
  const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
  if (system) return system;
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    // no Playwright build for this platform
  }
  if (bundled && existsSync(bundled)) return bundled;
  throw new BrowserUnusable(`Chromium not found: CHROMIUM_PATH is unset and neither ${SYSTEM_CHROMIUMS.join(' nor ')} exists. ${INSTALL_HINT}`);
}

/**
 * What a failed launch said, without Playwright's call log or its advice to download a browser:
 * the first line and the browser's own error lines (bar D-Bus noise, which every container prints).
 */
export function launchError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n')[0].replace(/^browserType\.launch: /, '');
  const browserLog = text.split('Call log:')[0];
  const own = [...browserLog.matchAll(/^\[pid=\d+\]\[err\] (.*)$/gm)].map((m) => m[1].trim()).filter((l) => l && !/dbus|bus\.cc/i.test(l));
  return [first, ...own.slice(0, 3)].join(' | ').slice(0, 800);
}

/**
 * Launches once with this mode, asks Chromium itself whether it is sandboxed and which features it
 * was launched without (for launchOptions), and closes it.
 */
async function tryLaunch(executablePath: string, sandbox: boolean): Promise<{ version: string; report: string; disabledFeatures?: string[] }> {
  const browser = await chromium.launch({ ...launchOptions({ executablePath, sandbox }), timeout: 120_000 });
  try {
    const version = browser.version();
    const page = await browser.newPage();
    let text: string | undefined;
    try {
      await page.goto('chrome://sandbox', { timeout: 30_000 });
      text = await page.innerText('body', { timeout: 30_000 });
    } catch {
      // a build without the page: the mode stands as asked for, unverified
    }
    const disabledFeatures = await launchedWithout(page);
    if (text === undefined) return { version, report: 'not verified: chrome://sandbox did not answer', disabledFeatures };
    const adequate = /You are adequately sandboxed/.test(text);
    if (sandbox && !adequate) throw new Error(`chrome://sandbox says: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
    const layer = /Layer 1 Sandbox\s+(\S+)/.exec(text)?.[1] ?? '?';
    const seccomp = /Seccomp-BPF sandbox\s+(Yes|No)/.exec(text)?.[1] ?? '?';
    const report = `Chromium reports ${adequate ? 'adequately sandboxed' : 'NOT sandboxed'} (layer 1: ${layer}, seccomp-bpf: ${seccomp})`;
    return { version, report, disabledFeatures };
  } finally {
    await browser.close().catch(() => undefined);
  }
}

/**
 * The features the browser on `page` was launched without, off chrome://version's command line;
 * undefined when it does not show one (another build, another page layout), and Playwright's
 * flags then stay as they are: a launch that merely runs a little slower, never a failed check.
 */
async function launchedWithout(page: Page): Promise<string[] | undefined> {
  try {
    await page.goto('chrome://version', { timeout: 10_000 });
    return disabledFeaturesOf(await page.innerText('#command_line', { timeout: 2_000 }));
  } catch {
    return undefined;
  }
}

/**
 * A worker's start-up check: finds Chromium, settles whether it runs sandboxed, and launches it
 * once (then closes it) so a browser that cannot start stops the worker before it takes any work.
 * Throws {@link BrowserUnusable} with what to fix.
 */
export async function checkBrowser(config: BrowserSettings, facts: HostFacts = hostFacts()): Promise<BrowserPlan> {
  const executablePath = findExecutable(config);
  const first = firstChoice(config, facts);
  if (!first.sandbox) refuseUnsandboxed(config, first.reason);
  try {
    const launched = await tryLaunch(executablePath, first.sandbox);
    return { executablePath, version: launched.version, sandbox: first.sandbox, reason: `${first.reason}; ${launched.report}`, disabledFeatures: launched.disabledFeatures };
  } catch (err) {
    if (!first.sandbox) throw new BrowserUnusable(`Chromium at ${executablePath} did not start: ${launchError(err)}. ${INSTALL_HINT}`);
    const why = `Chromium could not start its sandbox here: ${launchError(err)}${facts.noUserNamespaces ? ` (${facts.noUserNamespaces})` : ''}`;
    if (config.CHROMIUM_SANDBOX === 'on') throw new BrowserUnusable(`CHROMIUM_SANDBOX=on, but ${why}. ${SANDBOX_HINT}.`);
    // auto: the sandbox is out of reach here; does Chromium start at all without it?
    refuseUnsandboxed(config, why);
    let launched: Awaited<ReturnType<typeof tryLaunch>>;
    try {
      launched = await tryLaunch(executablePath, false);
    } catch (err2) {
      throw new BrowserUnusable(`Chromium at ${executablePath} did not start: ${launchError(err2)}. ${INSTALL_HINT}`);
    }
    return { executablePath, version: launched.version, sandbox: false, reason: `${why}. ${SANDBOX_HINT}; ${launched.report}`, disabledFeatures: launched.disabledFeatures };
  }
}
