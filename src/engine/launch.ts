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
 * Browser features a worker's Chromium does without. Headless Chromium opens a window per browser
 * context, and each window preloads the address bar's WebUI popups (chrome://omnibox-popup.top-chrome/)
 * in a renderer of their own: with a fresh context per submission that was half of each form's
 * CPU (measured in docs/benchmarks.md). Nothing a page does needs them.
 */
export const UNNEEDED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup'];

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
  /**
   * The features Playwright itself disables, as Chromium was launched with them at the check
   * (chrome://version): Chromium honours only the last --disable-features, so adding
   * {@link UNNEEDED_FEATURES} means replacing Playwright's with both. Unknown: neither is touched.
   */
  disabledFeatures?: string[];
}

export const BROWSER_PLAN = Symbol('BROWSER_PLAN');

/**
 * Launch options for a plan. Playwright adds --no-sandbox unless `chromiumSandbox` is true, so the
 * sandbox is asked for here and nowhere else. `egress: false` leaves out {@link EGRESS_ARGS}, for
 * a host with no egress proxy (the remote worker reaches directories directly): with them, its
 * Chromium could resolve no host name at all.
 */
export function launchOptions(plan: Pick<BrowserPlan, 'executablePath' | 'sandbox' | 'disabledFeatures'>, opts: { egress?: boolean } = {}): LaunchOptions {
  const features = plan.disabledFeatures;
  return {
    executablePath: plan.executablePath,
    headless: true,
    chromiumSandbox: plan.sandbox,
    ...(features ? { ignoreDefaultArgs: [disableFeaturesSwitch(features)] } : {}),
    args: [...BROWSER_ARGS, ...(opts.egress === false ? [] : EGRESS_ARGS), ...(features ? [disableFeaturesSwitch([...features, ...UNNEEDED_FEATURES])] : [])],
  };
}

/** The switch as Playwright writes it (ignoreDefaultArgs matches it exactly). */
export const disableFeaturesSwitch = (features: string[]) => `--disable-features=${features.join(',')}`;

/** The features the last --disable-features of a command line (chrome://version's) disables. */
export function disabledFeaturesOf(commandLine: string): string[] | undefined {
  const all = [...commandLine.matchAll(/(?:^|\s)--disable-features=(\S*)/g)];
  return all.length ? all[all.length - 1][1].split(',').filter(Boolean) : undefined;
}

/** One line for the log: which Chromium, and whether its sandbox is on and why. */
export function describePlan(plan: BrowserPlan): string {
  const ui = plan.disabledFeatures ? '' : "; its browser-UI pages stay on (chrome://version showed no command line), which costs CPU per context";
  return `Chromium ${plan.version} at ${plan.executablePath}, sandbox ${plan.sandbox ? 'on' : 'OFF'}: ${plan.reason}${ui}`;
}
