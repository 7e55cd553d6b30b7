import type { CustomerField } from '../../src/customers/customer-fields';
import type { SandboxDirectory } from '../../src/sandbox/catalogue';
import type { LayoutName } from '../../src/sandbox/adapters';
import { behaviourOf, layoutOf, type Behaviour } from '../../src/sandbox/behaviour';

/**
 * Emoji, RTL, a combining accent, HTML metacharacters and a long multi-line description. Only the
 * description carries a newline: single-line inputs cannot hold one.
 */
export const UNICODE_CUSTOMER: Record<CustomerField, string> = {
  businessName: `Café 🍕 مطعم الأصدقاء e\u0301 <b>"Joe's" & co</b>`,
  email: 'joé@exämple.com',
  phone: '+1 (555) 010-0100',
  website: 'https://joes.example/🍕?a=1&b=2',
  address: '1 Main St, Apt #4',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  country: 'US',
  category: 'Restaurant',
  description: `Line one\nשלום 👋 cafe\u0301 — ${'lorem ipsum '.repeat(250)}`,
};

/** The first catalogue directory with this layout and behaviour. */
export function directoryOf(catalogue: SandboxDirectory[], layout: LayoutName, behaviour: Behaviour = 'normal'): SandboxDirectory {
  const entry = catalogue.find((e) => layoutOf(e.position) === layout && behaviourOf(e.position) === behaviour);
  if (!entry) throw new Error(`no ${behaviour} ${layout} directory`);
  return entry;
}
