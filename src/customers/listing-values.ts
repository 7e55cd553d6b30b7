import { CUSTOMER_FIELDS } from './customer-fields';
import { logoOnDisk } from './customer-logo';
import type { Customer } from './customer.entity';

/**
 * The listing a customer turns into, as adapters read it: every customer field by name, and
 * `logo`, the path of its file on this host ('' for none). The worker and the Try tool both
 * build it here, so a definition tried is filled exactly as it will be submitted.
 */
export function listingValues(customer: Customer, artifactDir: string): Record<string, string> {
  return { ...Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, customer[f]])), logo: logoOnDisk(artifactDir, customer) };
}
