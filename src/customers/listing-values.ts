import type { DataSource } from 'typeorm';
import { CUSTOMER_FIELDS, type CustomerField } from './customer-fields';
import { logoOnDisk } from './customer-logo';
import { Customer } from './customer.entity';

/** What of a customer a listing is made of: its fields, and where its logo is. */
export type ListingCustomer = Pick<Customer, CustomerField | 'logoPath'>;
const LISTING_PROPERTIES = [...CUSTOMER_FIELDS, 'logoPath'] as const satisfies ReadonlyArray<keyof ListingCustomer>;

/**
 * The listing a customer turns into, as adapters read it: every customer field by name, and
 * `logo`, the path of its file on this host ('' for none). The worker and the Try tool both
 * build it here, so a definition tried is filled exactly as it will be submitted.
 */
export function listingValues(customer: ListingCustomer, artifactDir: string): Record<string, string> {
  return { ...Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, customer[f]])), logo: logoOnDisk(artifactDir, customer) };
}

/**
 * SQL for a {@link ListingCustomer} as a JSON object, from the `customers` row aliased `c`, for a
 * statement that reads it along with other things (the worker's claim). Column names come from
 * the entity's mapping, so the two cannot drift apart.
 */
export function listingCustomerJson(db: DataSource, c = 'c'): string {
  const metadata = db.getMetadata(Customer);
  const pairs = LISTING_PROPERTIES.map((p) => {
    const column = metadata.findColumnWithPropertyName(p);
    if (!column) throw new Error(`Customer has no column for ${p}`);
    return `'${p}', ${c}.${column.databaseName}`;
  });
  return `json_build_object(${pairs.join(', ')})`;
}
