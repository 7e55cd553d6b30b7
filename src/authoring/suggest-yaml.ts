import { Document, isNode } from 'yaml';
import { draftDirectory, type Suggestion } from './suggest-page';

/**
 * A suggestion as a catalogue file holding one draft directory, each guess with a
 * `# based on: ...` comment above it, and what needs a person's eye at the top.
 */
export function suggestionYaml(s: Suggestion): string {
  const doc = new Document({ directories: [draftDirectory(s)] });
  const step = ['directories', 0, 'adapter', 'steps', 0];
  const comment = (path: (string | number)[], text: string) => {
    const node = doc.getIn(path, true);
    if (isNode(node)) node.commentBefore = ` based on: ${text}`;
  };
  s.fields.forEach((f, i) => comment([...step, 'fields', i], f.basis));
  s.check.forEach((c, i) => comment([...step, 'check', i], c.basis));
  comment([...step, 'advance'], s.advance?.basis ?? 'nothing: no submit button was found, write this by hand');
  comment(['directories', 0, 'adapter', 'success'], s.success.basis);
  comment(['directories', 0, 'adapter', 'failure'], s.failure.basis);
  doc.commentBefore = [
    ` Draft adapter suggested from ${s.submitUrl}. Every value below is a guess: check each against`,
    ' the page, then `npm run directories -- try <this file>`, then import it with --keep-others.',
    ...s.notes.map((n) => ` - ${n}`),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
