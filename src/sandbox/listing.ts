import type { CustomerField } from '../customers/customer-fields';

/** The only categories sandbox directories accept; each is an option's value and its label. */
export const SANDBOX_CATEGORIES = ['Restaurant', 'Plumber', 'Dentist', 'Lawyer', 'Retail', 'Software', 'Other'] as const;
export type SandboxCategory = (typeof SANDBOX_CATEGORIES)[number];

/** How refusals name each field; every field is required, like the customers table. */
const FIELD_LABELS: Record<CustomerField, string> = {
  businessName: 'Business name',
  email: 'Email address',
  phone: 'Phone number',
  website: 'Website',
  address: 'Address',
  city: 'City',
  state: 'State',
  zip: 'ZIP / postal code',
  country: 'Country',
  category: 'Category',
  description: 'Description',
};

// Deliberately loose: any unicode is fine as long as it looks like local@domain.tld.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** The first problem a directory would report for these values, or null when they are acceptable. */
export function listingProblem(values: Partial<Record<CustomerField, string>>): string | null {
  for (const [field, label] of Object.entries(FIELD_LABELS) as [CustomerField, string][]) {
    if (!values[field]?.trim()) return `${label} is required`;
  }
  if (!EMAIL.test(values.email ?? '')) return 'Email address is invalid';
  if (!(SANDBOX_CATEGORIES as readonly string[]).includes(values.category ?? '')) return 'Category is invalid';
  return null;
}
