import type { AdapterDefinition } from './adapter.schema';
import { templateFields } from './step.schema';

/**
 * The customer fields a definition can put anywhere (a step's field, a template, a verify or search
 * URL, an outcome's template), or undefined when it cannot say: a code adapter reads what its module
 * reads. A worker outside the fleet is handed these values and nothing more of the customer.
 */
export function fieldsUsed(adapter: AdapterDefinition): Set<string> | undefined {
  if (adapter.code) return undefined;
  const used = new Set<string>();
  const walk = (node: unknown, key?: string): void => {
    if (typeof node === 'string') {
      if (key === 'field') used.add(node);
      else for (const name of templateFields(node)) used.add(name);
      return;
    }
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(adapter);
  // verify.url names the website as {website} (see askListed).
  if (adapter.verify) used.add('website');
  return used;
}
