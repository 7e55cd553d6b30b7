import type { LaunchOptions } from 'playwright-core';

/** Flags every Chromium of a worker gets: headless in a container, no background traffic of its own. */
export const BROWSER_ARGS = ['--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/**
 * Nothing may leave Chromium except through the egress proxy: QUIC is UDP, which an HTTP proxy
 * does not carry, so it is off; WebRTC may use no UDP the proxy does not carry (no STUN, no
 * local candidates); and since every request is proxied Chromium has no host name of its own to
 * resolve, so its resolver answers NOTFOUND for everything but the proxy's address.
 */
export const EGRESS_ARGS = [
  '--disable-quic',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/**
 * How this worker runs Chromium, settled once at start-up by {@link checkBrowser} (browser-check.ts):
 * every launch after that uses the same executable and the same sandbox mode.
 */
export interface BrowserPlan {
  executablePath: string;
  version: string;
  /** Chromium's own sandbox (namespaces + seccomp-bpf) around its renderers. */
  sandbox: boolean;
  /** Why the sandbox is on or off, in words for the log and the operator. */
  reason: string;
}

export const BROWSER_PLAN = Symbol('BROWSER_PLAN');

/**
 * Launch options for a plan. Playwright adds --no-sandbox unless `chromiumSandbox` is true, so the
 * sandbox is asked for here and nowhere else. `egress: false` leaves out {@link EGRESS_ARGS}, for
 * a host with no egress proxy (the remote worker reaches directories directly): with them, its
 * Chromium could resolve no host name at all.
 */
export function launchOptions(plan: Pick<BrowserPlan, 'executablePath' | 'sandbox'>, opts: { egress?: boolean } = {}): LaunchOptions {
  return {
    executablePath: plan.executablePath,
    headless: true,
    chromiumSandbox: plan.sandbox,
    args: [...BROWSER_ARGS, ...(opts.egress === false ? [] : EGRESS_ARGS)],
  };
}

/** One line for the log: which Chromium, and whether its sandbox is on and why. */
export function describePlan(plan: BrowserPlan): string {
  return `Chromium ${plan.version} at ${plan.executablePath}, sandbox ${plan.sandbox ? 'on' : 'OFF'}: ${plan.reason}`;
}
