import { parseArgs } from 'node:util';
import { DEFAULT_SLOW_MS } from './behaviour';
import { startSandbox } from './sandbox-server';

/** `node dist/src/sandbox/main.js [--port 4000] [--host 127.0.0.1] [--slow-ms 1500]` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'slow-ms': { type: 'string', default: String(DEFAULT_SLOW_MS) },
    },
  });
  const sandbox = await startSandbox({
    port: nonNegativeInt('--port', values.port),
    host: values.host,
    slowMs: nonNegativeInt('--slow-ms', values['slow-ms']),
  });
  console.log(`sandbox listening on ${sandbox.url}`);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function nonNegativeInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
