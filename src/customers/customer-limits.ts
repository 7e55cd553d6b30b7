import type { CustomerField } from './customer-fields';

/**
 * How long each customer field may be, in characters (Unicode code points, as class-validator's
 * Length and JSON Schema's maxLength count them). Sized for what directory forms take: a value a
 * form would cut short or refuse is refused here instead, before an order is paid for.
 * The API documents them (OpenAPI minLength/maxLength) from this one table.
 */
export const CUSTOMER_LIMITS = {
  businessName: { min: 1, max: 200 },
  /** RFC 5321: 254 is the longest address a mail path carries. */
  email: { min: 3, max: 254 },
  /** Digits, spaces and + ( ) . -; E.164 has at most 15 digits, the rest is punctuation. */
  phone: { min: 5, max: 32 },
  /** The longest URL browsers and most forms handle without trouble. */
  website: { min: 1, max: 2048 },
  /** One address line, as forms ask for it. */
  address: { min: 1, max: 200 },
  city: { min: 1, max: 100 },
  state: { min: 1, max: 100 },
  zip: { min: 1, max: 20 },
  country: { min: 2, max: 100 },
  category: { min: 1, max: 100 },
  description: { min: 0, max: 5000 },
} as const satisfies Record<CustomerField, { min: number; max: number }>;

export type LimitedField = keyof typeof CUSTOMER_LIMITS;

/** `[min, max]` for class-validator's Length. */
export const lengthOf = (field: LimitedField): [number, number] => [CUSTOMER_LIMITS[field].min, CUSTOMER_LIMITS[field].max];

/** minLength and maxLength for a field's OpenAPI property. */
export const documentedLength = (field: LimitedField) => ({ minLength: CUSTOMER_LIMITS[field].min, maxLength: CUSTOMER_LIMITS[field].max });
