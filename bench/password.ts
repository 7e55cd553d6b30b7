import { cpus, loadavg } from 'node:os';
import { hashPassword, verifyPassword } from '../src/auth/password';

/**
 * `node dist/bench/password.js` (after `nest build`): what one staff password hash costs on this
 * machine at each scrypt N (r=8, p=1), the time a sign-in spends verifying and, when an old hash
 * is upgraded, hashing again. Production uses STAFF_PASSWORD_SCRYPT_N, 2^17 unless raised.
 * BENCH_ROUNDS: hashes per cost (5); the median is shown.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
  // Other work on the machine stretches these figures: the load average says how much there was.
  console.log(`${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0].toFixed(2)}`);
  for (const log2N of [14, 15, 16, 17, 18]) {
    const N = 2 ** log2N;
    const times: number[] = [];
    let stored = '';
    for (let i = 0; i < ROUNDS; i++) {
      const start = performance.now();
      stored = await hashPassword('correct horse battery staple', N);
      times.push(performance.now() - start);
    }
    const start = performance.now();
    if (!(await verifyPassword('correct horse battery staple', stored))) throw new Error('verify failed');
    const verifyMs = performance.now() - start;
    times.sort((a, b) => a - b);
    console.log(`N=2^${log2N}: ${(128 * N * 8) / 2 ** 20} MiB, hash median ${times[Math.floor(times.length / 2)].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}), verify ${verifyMs.toFixed(0)} ms`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
