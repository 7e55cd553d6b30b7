import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';

/** One page in two fieldsets: "Continue" reveals the second one in place, which then posts. */
export const wizard: FormAdapterDefinition = {
  version: 1,
  description: 'Sandbox layout: wizard',
  steps: [
    {
      fields: [
        { field: 'businessName', target: { css: '#wz-name' }, kind: 'fill' },
        { field: 'email', target: { css: '#wz-email' }, kind: 'fill' },
        { field: 'phone', target: { css: '#wz-phone' }, kind: 'fill' },
        { field: 'website', target: { css: '#wz-site' }, kind: 'fill' },
        { field: 'address', target: { css: '#wz-street' }, kind: 'fill' },
        { field: 'city', target: { css: '#wz-city' }, kind: 'fill' },
        { field: 'state', target: { css: '#wz-state' }, kind: 'fill' },
        { field: 'zip', target: { css: '#wz-zip' }, kind: 'fill' },
        { field: 'country', target: { css: '#wz-country' }, kind: 'fill' },
      ],
      advance: { css: '#wz-continue' },
    },
    {
      fields: [
        { field: 'category', target: { css: '#wz-category' }, kind: 'select' },
        { field: 'description', target: { css: '#wz-about' }, kind: 'fill' },
      ],
      check: [{ css: '#wz-agree' }, { css: '#wz-owner' }],
      advance: { css: '#wz-submit' },
    },
  ],
  success: { selectors: ['.wizard-done'] },
  failure: { selectors: ['.wizard-errors'] },
  permanentFailures: ['invalid', 'required', 'already listed', 'must agree', 'must confirm'],
  verify: { url: 'listed?website={website}' },
};
