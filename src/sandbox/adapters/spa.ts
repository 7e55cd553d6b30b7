import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';

/**
 * The form is drawn by script after load and posts JSON with fetch(); the answer appears in
 * #result without a navigation, so server errors only show up as its error text.
 */
export const spa: FormAdapterDefinition = {
  version: 1,
  description: 'Sandbox layout: spa',
  steps: [
    {
      fields: [
        { field: 'businessName', target: { css: '#spa-businessName' }, kind: 'fill' },
        { field: 'email', target: { css: '#spa-email' }, kind: 'fill' },
        { field: 'phone', target: { css: '#spa-phone' }, kind: 'fill' },
        { field: 'website', target: { css: '#spa-website' }, kind: 'fill' },
        { field: 'address', target: { css: '#spa-address' }, kind: 'fill' },
        { field: 'city', target: { css: '#spa-city' }, kind: 'fill' },
        { field: 'state', target: { css: '#spa-state' }, kind: 'fill' },
        { field: 'zip', target: { css: '#spa-zip' }, kind: 'fill' },
        { field: 'country', target: { css: '#spa-country' }, kind: 'fill' },
        { field: 'category', target: { css: '#spa-category' }, kind: 'select' },
        { field: 'description', target: { css: '#spa-description' }, kind: 'fill' },
      ],
      advance: { css: '#spa-submit' },
    },
  ],
  success: { selectors: ['#result.success'] },
  failure: { selectors: ['#result.error'] },
  permanentFailures: ['invalid', 'required', 'already listed'],
  verify: { url: 'listed?website={website}' },
};
