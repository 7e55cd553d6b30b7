import { Document, isNode } from 'yaml';
import { draftDirectory, type Suggestion } from './suggest-page';

/**
 * A suggestion as a catalogue file holding one draft directory, each guess with a
 * `# based on: ...` comment above it, and what needs a person's eye at the top. `bare`: the
 * directory alone, as the dashboard's editor takes it.
 */
export function suggestionYaml(s: Suggestion, opts: { bare?: boolean } = {}): string {
  const doc = new Document(opts.bare ? draftDirectory(s) : { directories: [draftDirectory(s)] });
  const root = opts.bare ? [] : ['directories', 0];
  const step = [...root, 'adapter', 'steps', 0];
  const comment = (path: (string | number)[], text: string) => {
    const node = doc.getIn(path, true);
    if (isNode(node)) node.commentBefore = ` based on: ${text}`;
  };
  s.fields.forEach((f, i) => comment([...step, 'fields', i], f.basis));
  s.check.forEach((c, i) => comment([...step, 'check', i], c.basis));
  comment([...step, 'advance'], s.advance?.basis ?? 'nothing: no submit button was found, write this by hand');
  comment([...root, 'adapter', 'success'], s.success.basis);
  comment([...root, 'adapter', 'failure'], s.failure.basis);
  doc.commentBefore = [
    ` Draft adapter suggested from ${s.submitUrl}. Every value below is a guess: check each against`,
    opts.bare
      ? ' the page, save it (it stays disabled), press Try on its page, then enable it.'
      : ' the page, then `npm run directories -- try <this file>`, then import it with --keep-others.',
    ...s.notes.map((n) => ` - ${n}`),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
