import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';

/** Meaningless names and ids (f1..f11), so everything is found by its visible label text. */
export const labelled: FormAdapterDefinition = {
  version: 1,
  description: 'Sandbox layout: labelled',
  steps: [
    {
      fields: [
        { field: 'businessName', target: { label: 'Company name' }, kind: 'fill' },
        { field: 'email', target: { label: 'Contact e-mail' }, kind: 'fill' },
        { field: 'phone', target: { label: 'Telephone' }, kind: 'fill' },
        { field: 'website', target: { label: 'Web address' }, kind: 'fill' },
        { field: 'address', target: { label: 'Street' }, kind: 'fill' },
        { field: 'city', target: { label: 'Town' }, kind: 'fill' },
        { field: 'state', target: { label: 'Region' }, kind: 'fill' },
        { field: 'zip', target: { label: 'Postcode' }, kind: 'fill' },
        { field: 'country', target: { label: 'Country' }, kind: 'fill' },
        { field: 'category', target: { label: 'Business type' }, kind: 'select' },
        { field: 'description', target: { label: 'About the business' }, kind: 'fill' },
      ],
      advance: { label: 'Send listing' },
    },
  ],
  success: { selectors: ['#outcome.accepted'] },
  failure: { selectors: ['#outcome.refused'] },
  permanentFailures: ['invalid', 'required', 'already listed'],
  verify: { url: 'listed?website={website}' },
};
