import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_PREFIX } from '../src/common/api-path';
import { FIELD_KINDS } from '../src/directories/definition/step.schema';
import { CAPABILITIES, IDLE_POLL_MAX_MS, LEASE_EXPIRED, LEASE_TOKEN_HEADER, WORKER_API_PATH, WORKER_KINDS } from '../src/leases/protocol';
import { SCREENSHOT_MAX_BYTES } from '../src/leases/screenshot-body';
import { stepTimeoutMs } from '../src/engine/timeouts';
import type { AppConfig } from '../src/config/config.schema';

/**
 * The staff extension (extension/) is plain JavaScript that Chrome loads as it is, so nothing
 * compiles it against the API. These checks keep it in step without a browser: the manifest asks
 * for what the code uses and names files that exist, and the few protocol names and limits the
 * extension repeats (background/constants.js) are the API's. test/extension.test.ts runs it.
 */
const EXTENSION = resolve(__dirname, '..', 'extension');
const read = (file: string) => readFileSync(join(EXTENSION, file), 'utf8');

/** The `export const NAME = <literal>;` lines of a file, evaluated (they are plain literals and arithmetic). */
function constants(file: string): Record<string, unknown> {
  const found = [...read(file).matchAll(/^export const (\w+) = (.+);$/gm)];
  return Object.fromEntries(found.map(([, name, expr]) => [name, new Function(`return (${expr});`)()]));
}

it('has an MV3 manifest whose files exist and whose permissions are the ones the code uses', () => {
  const manifest = JSON.parse(read('manifest.json'));
  expect(manifest).toMatchObject({ manifest_version: 3, background: { type: 'module' }, options_ui: { page: 'options.html' } });
  expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(manifest.permissions.sort()).toEqual(['alarms', 'scripting', 'storage', 'tabs']);
  // Directories are any site, and captureVisibleTab wants <all_urls> (activeTab would need a click on the extension's button).
  expect(manifest.host_permissions).toEqual(['<all_urls>']);
  const referenced = [manifest.background.service_worker, manifest.options_ui.page, ...[...read('background/tabs.js').matchAll(/'(content\/[\w-]+\.js)'/g)].map((m) => m[1])];
  expect(referenced.filter((f) => !existsSync(join(EXTENSION, f)))).toEqual([]);
  expect(referenced.length).toBeGreaterThan(4);
});

it('speaks the lease protocol of src/leases/protocol.ts', () => {
  const c = constants('background/constants.js');
  expect(c.WORKER_PATH).toBe(`/${API_PREFIX}/${WORKER_API_PATH}`);
  expect(CAPABILITIES).toEqual(expect.arrayContaining(c.CAPABILITIES as string[]));
  expect(c.CAPABILITIES).toEqual(['browser', 'assisted']);
  expect(WORKER_KINDS).toContain(c.WORKER_KIND);
  expect(c.LEASE_EXPIRED).toBe(LEASE_EXPIRED);
  expect(c.LEASE_TOKEN_HEADER).toBe(LEASE_TOKEN_HEADER);
  expect(c.IDLE_POLL_MS).toBeLessThan(IDLE_POLL_MAX_MS);
  expect(c.MAX_SCREENSHOT_BYTES).toBe(SCREENSHOT_MAX_BYTES);
  // The fleet's step timeout at its cap: the answer to the click is awaited as long as a worker of the fleet would.
  expect(c.STEP_TIMEOUT_MS).toBe(stepTimeoutMs({ SUBMIT_TIMEOUT_MS: Number.MAX_SAFE_INTEGER } as AppConfig));
});

it('fills only field kinds the adapter language has', () => {
  const kinds = /const FIELD_KINDS = (\[.*\]);/.exec(read('background/plan.js'))![1];
  expect(FIELD_KINDS).toEqual(expect.arrayContaining(new Function(`return ${kinds};`)() as string[]));
});
