import type { CustomerField } from '../../customers/customer-fields';
import type { LayoutName } from '../adapters';
import type { Behaviour } from '../behaviour';

export interface SiteDirectory {
  slug: string;
  name: string;
  position: number;
  layout: LayoutName;
  behaviour: Behaviour;
}

/** The directory's answer to a final POST, before it is rendered as a page or as JSON. */
export interface FinalAnswer {
  status: number;
  ok: boolean;
  message: string;
}

/** One layout's side of the sandbox: its pages and how its final POST names things. */
export interface LayoutSite {
  /** Name under which the final POST carries each customer field. */
  fieldNames: Record<CustomerField, string>;
  /** Checkboxes the final POST must carry, with the refusal when one is missing. */
  requiredChecks: { name: string; message: string }[];
  formPage(dir: SiteDirectory): string;
  /** Only for layouts with a server-side second page (two-step): page 1's POST answers it. */
  secondPage?(dir: SiteDirectory, carried: Record<string, string>): string;
  /** Page answering the final form POST; absent when the final POST is a JSON API call (spa). */
  resultPage?(dir: SiteDirectory, answer: FinalAnswer): string;
}
