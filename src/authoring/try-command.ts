import { createInterface } from 'node:readline/promises';
import type { DataSource } from 'typeorm';
import { isUuid } from '../common/ids';
import { Customer } from '../customers/customer.entity';
import { listingValues } from '../customers/listing-values';
import type { ListingValues } from '../engine/listing-submitter';

/** A customer's listing, every adapter field by name, as the worker builds it. */
export async function customerValues(db: DataSource, id: string, artifactDir: string): Promise<ListingValues> {
  const customer = isUuid(id) ? await db.getRepository(Customer).findOneBy({ id }) : null;
  if (!customer) throw new Error(`no customer ${id}`);
  return listingValues(customer, artifactDir);
}

/**
 * A real submission cannot be taken back: on a terminal the person says yes to this URL; elsewhere
 * (a script, CI) `--yes` must say it up front.
 */
export async function confirmSubmit(url: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new Error(`--submit sends a real listing to ${url}: add --yes to confirm when not on a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Submit for real to ${url}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new Error('not submitted: the answer was not yes');
  } finally {
    rl.close();
  }
}
