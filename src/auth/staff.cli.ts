import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.schema';
import { dataSourceOptions } from '../database/data-source';
import { announceFromCli } from './access-notices';
import { createStaff, STAFF_ROLES, type StaffRole } from './staff.service';

const USAGE = `Usage:
  npm run staff -- create --email <email> --role <${STAFF_ROLES.join('|')}>   (password from STAFF_PASSWORD, else one is generated and shown)
  npm run staff -- disable --email <email>
  npm run staff -- list`;

class UsageError extends Error {}

/** Staff accounts from the command line: no build ships with one. Reads DATABASE_URL like the app. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { email: { type: 'string' }, role: { type: 'string' } } });
  const config = loadConfig();
  const db = await new DataSource(dataSourceOptions(config.DATABASE_URL, 'admin', [])).initialize();
  try {
    switch (positionals[0]) {
      case 'create': {
        if (!values.email || !(STAFF_ROLES as readonly string[]).includes(values.role ?? '')) throw new UsageError('--email and --role admin|viewer are required');
        const given = process.env.STAFF_PASSWORD;
        const password = given || randomBytes(18).toString('base64url');
        const member = await createStaff(db.manager, values.email, password, values.role as StaffRole, config.STAFF_PASSWORD_SCRYPT_N);
        console.log(`Created staff ${member.role} ${member.email}.`);
        if (!given) console.log(`Password (shown once): ${password}`);
        break;
      }
      case 'disable': {
        const [disabled]: [Array<{ id: string }>, number] = await db.query(
          `UPDATE staff_users SET disabled_at = coalesce(disabled_at, now()) WHERE email = lower($1) RETURNING id`,
          [values.email ?? ''],
        );
        if (!disabled.length) throw new UsageError(`no staff member ${values.email ?? '(give --email)'}`);
        // Their sessions end too, not just future sign-ins.
        await db.query(`DELETE FROM staff_sessions WHERE sess->>'staffId' IN (SELECT id::text FROM staff_users WHERE email = lower($1))`, [values.email]);
        console.log(`Disabled ${values.email}.`);
        // Their open dashboards' live feeds end now rather than at the API's next periodic check.
        if (!(await announceFromCli(config, { staffId: disabled[0].id }))) {
          console.log(`Redis did not answer: their open live feeds end within STREAM_RECHECK_MS (${config.STREAM_RECHECK_MS} ms).`);
        }
        break;
      }
      case 'list':
        for (const s of await db.query(`SELECT email, role, disabled_at FROM staff_users ORDER BY email`)) {
          console.log(`${s.disabled_at ? 'disabled' : 'active  '}  ${s.role.padEnd(6)}  ${s.email}`);
        }
        break;
      default:
        throw new UsageError(positionals[0] ? `unknown command ${positionals[0]}` : 'no command given');
    }
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.message);
  process.exit(err instanceof UsageError ? 2 : 1);
});
