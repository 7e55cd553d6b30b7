import type { CustomerField } from '../customers/customer-fields';

/**
 * How `directories suggest` guesses which customer field a form control takes, the way browsers'
 * autofill does: the HTML `autocomplete` token first (the page's own statement), then the words
 * people and developers put around a control (its label, name, id, placeholder) against
 * patterns per field in several languages. Pure: the page is read elsewhere (suggest-page.ts).
 */

/** What a page says about one control, as read from the DOM. */
export interface ControlFacts {
  tag: 'input' | 'select' | 'textarea';
  type: string;
  autocomplete?: string;
  /** Its <label>s' text, aria-label and aria-labelledby, whitespace collapsed. */
  labels: string[];
  name?: string;
  id?: string;
  placeholder?: string;
}

export interface FieldGuess {
  field: CustomerField;
  /** What the guess rests on, for the person who confirms it: `autocomplete=organization`, `label "Firmenname"`. */
  basis: string;
}

/** autocomplete field tokens (HTML's list) for each customer field; section-/shipping/billing prefixes are ignored. */
const AUTOCOMPLETE: Record<string, CustomerField> = {
  organization: 'businessName',
  email: 'email',
  tel: 'phone',
  'tel-national': 'phone',
  'tel-local': 'phone',
  url: 'website',
  'street-address': 'address',
  'address-line1': 'address',
  'address-level2': 'city',
  'address-level1': 'state',
  'postal-code': 'zip',
  country: 'country',
  'country-name': 'country',
};

/**
 * Patterns per field, tried in this order: the more specific first, so "Web address" is a website
 * before it is an address, "Business type" a category and "About the business" a description
 * before either is a business name. Matched against lower-case text with `_`, `-`, `.` and
 * camelCase humps turned into spaces.
 */
export const FIELD_PATTERNS: ReadonlyArray<readonly [CustomerField, RegExp]> = [
  ['email', /e.?mail|courriel|correo|posta elettronica|\bmail\b/],
  ['website', /web.?site|web.?address|homepage|home page|\burl\b|site web|sitio web|p[áa]gina web|webseite|internetseite|internet.?adresse|sito web|\bsite\b|\bweb\b/],
  ['phone', /phone|\btel\b|telephone|t[ée]l[ée]phone|telefon|tel[ée]fono|\bmobile?\b|handy|\bfon\b|cellulare/],
  ['zip', /\bzip\b|postal|post.?code|\bplz\b|postleitzahl|c[óo]digo postal|code postal|\bcap\b|\bcp\b|postcode/],
  ['country', /country|\bland\b|\bpays\b|pa[íi]s\b|paese|nation/],
  ['city', /\bcity\b|\btown\b|ciudad|ville|\bstadt\b|\bort\b|citt[àa]|localidad|localit[àa]|municipio|cidade|plaats|suburb/],
  ['state', /\bstate\b|province|provinz|provincia|\bregion\b|r[ée]gion|county|bundesland|estado|d[ée]partement/],
  ['address', /street|address|\baddr\b|adresse|direcci[óo]n|indirizzo|stra(ss|ß)e|\brue\b|\bcalle\b|endere[çc]o/],
  ['category', /categor|kategorie|cat[ée]gorie|business type|type of business|industry|branche|rubri|sector|secteur|\bniche\b/],
  ['description', /descri|about|beschreibung|[àa] propos|acerca|sobre|chi siamo|summary|\bbio\b|profile text|details/],
  ['businessName', /company|business|organi[sz]ation|firma|firmen|unternehmen|entreprise|soci[ée]t[ée]|empresa|negocio|azienda|bedrijf|\bbiz\b|\bbrand\b|listing name|\bshop\b|\bstore\b/],
];

/** Controls that never take a customer field. */
const SKIPPED_TYPES = new Set(['hidden', 'submit', 'button', 'reset', 'image', 'checkbox', 'radio', 'file', 'password', 'search', 'range', 'color']);

/** `business_name`, `bizName`, `addr-line` as words: `business name`, `biz name`, `addr line`. */
export function words(text: string): string {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\-.[\]]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The field a text names, by the first pattern that matches it. */
export function fieldOfText(text: string): CustomerField | undefined {
  const w = words(text);
  return FIELD_PATTERNS.find(([, re]) => re.test(w))?.[0];
}

/** The customer field of an autocomplete attribute's value, if it names one. */
export function fieldOfAutocomplete(value: string): CustomerField | undefined {
  const tokens = value.toLowerCase().trim().split(/\s+/);
  // The field token is the last one but for a trailing "webauthn"; earlier ones are sections and modes.
  const field = tokens.filter((t) => t !== 'webauthn').at(-1);
  return field ? AUTOCOMPLETE[field] : undefined;
}

/** The field a control most likely takes, and why; undefined when nothing points anywhere. */
export function classifyControl(c: ControlFacts): FieldGuess | undefined {
  if (c.tag === 'input' && SKIPPED_TYPES.has(c.type)) return undefined;
  const auto = c.autocomplete && fieldOfAutocomplete(c.autocomplete);
  if (auto) return { field: auto, basis: `autocomplete=${c.autocomplete?.trim()}` };
  const clues: Array<[string, string | undefined]> = [
    ...c.labels.map((l): [string, string] => ['label', l]),
    ['name', c.name],
    ['id', c.id],
    ['placeholder', c.placeholder],
  ];
  for (const [kind, text] of clues) {
    const field = text ? fieldOfText(text) : undefined;
    if (field) return { field, basis: `${kind} ${JSON.stringify(text)}` };
  }
  // The page's own type is a weaker clue than its words, but still one.
  if (c.tag === 'input' && c.type === 'email') return { field: 'email', basis: 'type=email' };
  if (c.tag === 'input' && c.type === 'tel') return { field: 'phone', basis: 'type=tel' };
  if (c.tag === 'input' && c.type === 'url') return { field: 'website', basis: 'type=url' };
  return undefined;
}

/** Checkboxes a listing needs ticked (terms, consent, "I am the owner"), not offers or newsletters. */
const TICK = /agree|accept|terms|conditions|consent|privacy|owner|authori[sz]ed|confirm|akzeptier|zustimm|einverstanden|bedingungen|accepte|j'accepte|conditions g[ée]n[ée]rales|acepto|t[ée]rminos|accetto|termini/;
const LEAVE = /newsletter|marketing|offers|promotion|subscribe|updates|partners|abonn|werbung|ofertas|boletin|bolet[íi]n/;

/** Whether a checkbox with this label should be ticked: yes, no, or undecided (left for a person). */
export function checkboxVerdict(label: string): 'tick' | 'leave' | 'unsure' {
  const w = words(label);
  if (LEAVE.test(w)) return 'leave';
  return TICK.test(w) ? 'tick' : 'unsure';
}

/** Which button submits: buttons whose words say so rank above any other. */
const SUBMIT_WORDS = /submit|send|add|list|publish|register|sign up|create|save|finish|done|continue|next|absenden|senden|eintragen|weiter|envoyer|valider|suivant|enviar|publicar|siguiente|invia|avanti/;

export function looksLikeSubmit(text: string): boolean {
  return SUBMIT_WORDS.test(words(text));
}

/** A button that leads to another step rather than sending the form. */
export function looksLikeNextStep(text: string): boolean {
  return /\bnext\b|continue|weiter|suivant|siguiente|avanti|step 2|proceed/.test(words(text));
}
