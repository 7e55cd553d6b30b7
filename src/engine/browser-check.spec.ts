import { parseConfig } from '../config/config.schema';
import { BrowserUnusable, firstChoice, launchError } from './browser-check';

const dev = parseConfig({});
const user = { uid: 1000 };
const root = { uid: 0 };

describe('firstChoice: which sandbox mode a worker tries first', () => {
  it('auto: sandbox for an unprivileged user', () => {
    expect(firstChoice(dev, user)).toEqual({ sandbox: true, reason: 'the worker runs as uid 1000 with user namespaces' });
  });

  it('auto: none as root, saying why plainly', () => {
    expect(firstChoice(dev, root)).toEqual({ sandbox: false, reason: expect.stringMatching(/runs as root, where Chromium refuses its sandbox/) });
  });

  it('on: refuses root up front, with what to do', () => {
    expect(() => firstChoice(parseConfig({ CHROMIUM_SANDBOX: 'on' }), root)).toThrow(BrowserUnusable);
    expect(() => firstChoice(parseConfig({ CHROMIUM_SANDBOX: 'on' }), root)).toThrow(/unprivileged user[\s\S]*seccomp profile/);
  });

  it('off: none, wherever', () => {
    expect(firstChoice(parseConfig({ CHROMIUM_SANDBOX: 'off' }), user)).toEqual({ sandbox: false, reason: 'CHROMIUM_SANDBOX=off' });
  });

  it('names a kernel without user namespaces in the reason', () => {
    expect(firstChoice(dev, { uid: 1000, noUserNamespaces: 'user.max_user_namespaces is 0' }).reason).toBe('the worker runs as uid 1000');
  });
});

describe('launchError', () => {
  it("keeps the first line and the browser's own errors, without the call log or D-Bus noise", () => {
    const err = new Error(
      'browserType.launch: Target page, context or browser has been closed\nBrowser logs:\n\n<launching> /x --headless\n<launched> pid=7\n' +
        '[pid=7][err] [7:7:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n[pid=7][err] Running as root without --no-sandbox is not supported.\n' +
        'Call log:\n  - [pid=7][err] Running as root without --no-sandbox is not supported.\n',
    );
    expect(launchError(err)).toBe('Target page, context or browser has been closed | Running as root without --no-sandbox is not supported.');
  });
});
