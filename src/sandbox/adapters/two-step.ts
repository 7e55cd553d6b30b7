import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';

/**
 * Two server-rendered pages: contact details, then address and terms. Inputs are found by name
 * because page 2 carries page 1's values in hidden inputs with page 1's names.
 */
export const twoStep: FormAdapterDefinition = {
  version: 1,
  description: 'Sandbox layout: two-step',
  steps: [
    {
      fields: [
        { field: 'businessName', target: { css: 'input[name="company"]' }, kind: 'fill' },
        { field: 'email', target: { css: 'input[name="contact_email"]' }, kind: 'fill' },
        { field: 'phone', target: { css: 'input[name="phone_number"]' }, kind: 'fill' },
        { field: 'website', target: { css: 'input[name="homepage"]' }, kind: 'fill' },
      ],
      advance: { css: '#ts-next' },
    },
    {
      fields: [
        { field: 'address', target: { css: 'input[name="street_address"]' }, kind: 'fill' },
        { field: 'city', target: { css: 'input[name="city"]' }, kind: 'fill' },
        { field: 'state', target: { css: 'input[name="region"]' }, kind: 'fill' },
        { field: 'zip', target: { css: 'input[name="postal_code"]' }, kind: 'fill' },
        { field: 'country', target: { css: 'input[name="country"]' }, kind: 'fill' },
        { field: 'category', target: { css: 'select[name="category"]' }, kind: 'select' },
        { field: 'description', target: { css: 'textarea[name="description"]' }, kind: 'fill' },
      ],
      check: [{ label: 'I agree to the terms' }],
      advance: { css: '#ts-finish' },
    },
  ],
  success: { selectors: ['#listing-confirmed'] },
  failure: { selectors: ['.error-box'] },
  permanentFailures: ['invalid', 'required', 'already listed', 'must agree'],
  verify: { url: 'listed?website={website}' },
};
