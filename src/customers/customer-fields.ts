/**
 * The customer fields a listing is made of, in the order people read them. Adapters type these
 * into directory forms; the dashboard's new-order form asks for them.
 */
export const CUSTOMER_FIELDS = [
  'businessName',
  'email',
  'phone',
  'website',
  'address',
  'city',
  'state',
  'zip',
  'country',
  'category',
  'description',
] as const;
export type CustomerField = (typeof CUSTOMER_FIELDS)[number];
