import { checkboxVerdict, classifyControl, fieldOfAutocomplete, fieldOfText, looksLikeNextStep, words, type ControlFacts } from './suggest';

const input = (facts: Partial<ControlFacts>): ControlFacts => ({ tag: 'input', type: 'text', labels: [], ...facts });

describe('suggest: classifying form controls', () => {
  it('takes the autocomplete token first, over any words around the control', () => {
    expect(classifyControl(input({ autocomplete: 'organization', labels: ['Your e-mail'] }))).toEqual({ field: 'businessName', basis: 'autocomplete=organization' });
    expect(fieldOfAutocomplete('section-main shipping postal-code')).toBe('zip');
    expect(fieldOfAutocomplete('billing tel webauthn')).toBe('phone');
    expect(fieldOfAutocomplete('address-level2')).toBe('city');
    expect(fieldOfAutocomplete('street-address')).toBe('address');
    // A token that is no customer field falls through to the words.
    expect(classifyControl(input({ autocomplete: 'off', labels: ['Town'] }))).toEqual({ field: 'city', basis: 'label "Town"' });
  });

  it.each([
    ['Firmenname', 'businessName'],
    ['Téléphone', 'phone'],
    ['Código postal', 'zip'],
    ['Adresse e-mail', 'email'],
    ['Site web', 'website'],
    ['Straße und Hausnummer', 'address'],
    ['Ville', 'city'],
    ['Company name *', 'businessName'],
    ['Contact e-mail', 'email'],
    ['Web address', 'website'],
    ['Street address', 'address'],
    ['State / region', 'state'],
    ['Postcode', 'zip'],
    ['ZIP code', 'zip'],
    ['Business type', 'category'],
    ['About the business', 'description'],
    ['Tell us about your business', 'description'],
    ['Homepage', 'website'],
  ] as const)('reads the label %j as %s', (label, field) => {
    expect(fieldOfText(label)).toBe(field);
  });

  it('falls back from the label to name, id and placeholder, in that order, and says which', () => {
    expect(classifyControl(input({ labels: ['Field 1'], name: 'biz_name', id: 'x1' }))).toEqual({ field: 'businessName', basis: 'name "biz_name"' });
    expect(classifyControl(input({ name: 'f7', id: 'postalCode' }))).toEqual({ field: 'zip', basis: 'id "postalCode"' });
    expect(classifyControl(input({ name: 'f3', placeholder: 'https://…' }))).toBeUndefined();
    expect(classifyControl(input({ name: 'f3', placeholder: 'Your website' }))).toEqual({ field: 'website', basis: 'placeholder "Your website"' });
    expect(classifyControl(input({ type: 'tel', name: 'q9' }))).toEqual({ field: 'phone', basis: 'type=tel' });
    expect(words('addrLine_1')).toBe('addr line 1');
  });

  it('leaves controls that never take a customer field alone', () => {
    for (const type of ['hidden', 'submit', 'checkbox', 'password', 'file']) expect(classifyControl(input({ type, labels: ['Email'] }))).toBeUndefined();
    expect(classifyControl(input({ labels: ['Your name'] }))).toBeUndefined();
  });

  it('ticks terms and ownership checkboxes, never newsletters', () => {
    expect(checkboxVerdict('I agree to the terms')).toBe('tick');
    expect(checkboxVerdict('I am the owner or an authorised representative')).toBe('tick');
    expect(checkboxVerdict("J'accepte les conditions générales")).toBe('tick');
    expect(checkboxVerdict('Send me the newsletter and partner offers')).toBe('leave');
    expect(checkboxVerdict('Show my phone number')).toBe('unsure');
  });

  it('tells a next-step button from a submit button', () => {
    expect(looksLikeNextStep('Next step')).toBe(true);
    expect(looksLikeNextStep('Weiter')).toBe(true);
    expect(looksLikeNextStep('Add my business')).toBe(false);
  });
});
