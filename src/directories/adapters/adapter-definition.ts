/**
 * A directory adapter is data, not code: it tells the form runner how to put a customer's listing
 * into one directory's web form and how to read the page's answer. Definitions live in the repo
 * (see `layouts/`) and are synced into the `directories` table, so staff can see what each one does.
 */

/** Customer fields an adapter may type into a form. Values always come from the customer row. */
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

/** How to find an element: a CSS selector, or the text of its <label> (Playwright getByLabel). */
export type Target = { css: string } | { label: string };

export interface FieldMapping {
  field: CustomerField;
  target: Target;
  /** `fill` types text (inputs, textareas); `select` picks the option whose value or label matches. */
  kind: 'fill' | 'select';
}

export interface FormStep {
  fields: FieldMapping[];
  /** Checkboxes to tick on this step (terms of service, "I own this business"). */
  check?: Target[];
  /**
   * Button that leaves this step. On every step but the last it is a "next" button; on the last
   * step it is the irreversible submit button.
   */
  advance: Target;
}

export interface Outcome {
  /** Any of these selectors being visible means the page gave this outcome. */
  selectors: string[];
}

export interface AdapterDefinition {
  /** Layout family, for humans and the catalogue; the runner does not branch on it. */
  layout: string;
  steps: FormStep[];
  /** What the page shows once the listing was accepted. */
  success: Outcome;
  /** What the page shows when it refused; the element's text is recorded as the reason. */
  failure: Outcome;
  /**
   * Failure texts (case-insensitive regular expressions) a retry cannot fix: the listing exists,
   * a field was rejected. A match fails the submission at once instead of retrying.
   */
  permanentFailures: string[];
  /**
   * Optional read-only check "is this business listed here?", used after a crash left the
   * outcome unknown. `{website}` in the URL template is replaced by the URL-encoded website;
   * the endpoint answers JSON `{ "listed": boolean }`.
   */
  verify?: { url: string };
}
