/** What stands in a log entry or an error where a secret was. */
export const REDACTED = '[redacted]';

/**
 * Takes secret values (a directory's sign-in) out of text an attempt records: its log entries,
 * its result's message and the errors it throws. Defensive: the runner never logs a value on
 * purpose, but Playwright does (a failed fill() quotes what it was typing in its call log), and a
 * page can echo what was typed (a GET sign-in puts it in the URL). Each value is also looked for
 * as JSON, URL and form encoding write it.
 */
export class Redactor {
  private forms: string[] = [];

  add(values: Iterable<string>): void {
    const forms = new Set(this.forms);
    for (const v of values) {
      if (!v) continue;
      const query = new URLSearchParams({ v }).toString().slice(2); // form encoding, as a GET sign-in writes it
      for (const form of [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v), encodeURIComponent(v).replace(/%20/g, '+'), query]) forms.add(form);
    }
    // Longest first: a value that contains another is replaced whole.
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  text<T extends string | undefined>(text: T): T {
    if (!text || !this.forms.length) return text;
    let out: string = text;
    for (const form of this.forms) out = out.split(form).join(REDACTED);
    return out as T;
  }

  /** The same error, its message and stack redacted (thrown on from there). */
  error<T>(err: T): T {
    if (this.forms.length && err instanceof Error) {
      err.message = this.text(err.message);
      if (err.stack) err.stack = this.text(err.stack);
    }
    return err;
  }
}
