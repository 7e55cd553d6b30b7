import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';

/** One server-rendered page whose inputs are id'd after the field; the answer is a new page. */
export const classic: FormAdapterDefinition = {
  version: 1,
  description: 'Sandbox layout: classic',
  steps: [
    {
      fields: [
        { field: 'businessName', target: { css: '#business_name' }, kind: 'fill' },
        { field: 'email', target: { css: '#email' }, kind: 'fill' },
        { field: 'phone', target: { css: '#phone' }, kind: 'fill' },
        { field: 'website', target: { css: '#website' }, kind: 'fill' },
        { field: 'address', target: { css: '#address' }, kind: 'fill' },
        { field: 'city', target: { css: '#city' }, kind: 'fill' },
        { field: 'state', target: { css: '#state' }, kind: 'fill' },
        { field: 'zip', target: { css: '#zip' }, kind: 'fill' },
        { field: 'country', target: { css: '#country' }, kind: 'fill' },
        { field: 'category', target: { css: '#category' }, kind: 'select' },
        { field: 'description', target: { css: '#description' }, kind: 'fill' },
      ],
      advance: { css: 'form#listing button[type="submit"]' },
    },
  ],
  success: { selectors: ['.alert-success'] },
  failure: { selectors: ['.alert-error'] },
  permanentFailures: ['invalid', 'required', 'already listed'],
  verify: { url: 'listed?website={website}' },
};
