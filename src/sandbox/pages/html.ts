import { escapeHtml } from '../../common/html';
import { SANDBOX_CATEGORIES } from '../listing';

export { escapeHtml } from '../../common/html';

export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
${body}
</body>
</html>
`;
}

export interface ControlSpec {
  id: string;
  name: string;
  label: string;
  /**
   * No type=email/url: Chromium sanitises those values (trims, punycodes domains), and the
   * sandbox must receive exactly what was typed.
   */
  kind?: 'text' | 'tel' | 'select' | 'textarea';
}

/** A labelled form control in a paragraph; selects offer SANDBOX_CATEGORIES after a placeholder. */
export function control({ id, name, label, kind = 'text' }: ControlSpec): string {
  const attrs = `id="${escapeHtml(id)}" name="${escapeHtml(name)}" required`;
  const labelTag = `<label for="${escapeHtml(id)}">${escapeHtml(label)}</label>`;
  if (kind === 'select') return `<p>${labelTag}\n<select ${attrs}>${categoryOptions()}</select></p>`;
  if (kind === 'textarea') return `<p>${labelTag}\n<textarea ${attrs} rows="6" cols="60"></textarea></p>`;
  return `<p>${labelTag}\n<input type="${kind}" ${attrs}></p>`;
}

export function categoryOptions(): string {
  const options = SANDBOX_CATEGORIES.map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(c)}</option>`);
  return ['<option value="">Choose a category</option>', ...options].join('');
}

export function hiddenInput(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}
