/*
 * Filling one step of a definition in the page, as the fleet's engine does with Playwright
 * (src/engine/actions.ts and form-runner.ts): wait for the step's first target, dismiss what
 * shows up, click what the step clicks, put each prepared value in by its kind, tick the step's
 * checkboxes, and find its advance button, which is left for the person to press.
 */
globalThis.boltline ??= {};

(() => {
  const { find, textMatches, textOf, describeTarget } = globalThis.boltline;

  /** Sets a control's value through the element's own setter, then tells the page as typing would (frameworks listen to input). */
  function setValue(el, value) {
    el.focus();
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    el.blur(); // as a person moving on would: some pages check a field when it loses focus
  }

  /** Ticks or unticks by clicking, so the page's own handlers run as for a person's click. */
  function setChecked(el, on) {
    if (el.checked !== on) el.click();
    if (el.checked !== on) throw new Error(`${el.type || 'control'} would not ${on ? 'tick' : 'untick'}`);
  }

  const isTicked = (value) => !/^\s*(no|n|false|off|0)?\s*$/i.test(value);

  /** Puts one value into the control by the field's kind; answers a log note when it had to trim. */
  function put(el, f, value) {
    switch (f.kind ?? 'fill') {
      case 'fill': {
        // The page's own limit wins: typing past a maxlength would be cut silently by the browser.
        const max = Number(el.getAttribute('maxlength'));
        let note;
        if (Number.isInteger(max) && max > 0 && value.length > max) {
          note = `${f.field ?? 'a value'} trimmed from ${value.length} to ${max} characters`;
          value = value.slice(0, max);
        }
        setValue(el, value);
        return note;
      }
      case 'date':
        setValue(el, value.trim());
        return undefined;
      case 'select':
      case 'select-text': {
        if (!(el instanceof HTMLSelectElement)) throw new Error(`${describeTarget(f.target)} is not a <select>`);
        const options = Array.from(el.options);
        // select: like Playwright's selectOption(value), the option's value or its label; select-text: its visible text.
        const option = f.kind === 'select' ? options.find((o) => o.value === value) ?? options.find((o) => o.label === value) : options.find((o) => textMatches(value, o.text));
        if (!option) throw new Error(`no option of ${describeTarget(f.target)} ${f.kind === 'select' ? 'is' : 'reads'} "${value}" (options: ${options.map((o) => o.text).join(', ').slice(0, 300)})`);
        setValue(el, option.value);
        return undefined;
      }
      case 'radio': {
        const radios = Array.from(el.querySelectorAll('input[type=radio]'));
        const radio = radios.find((r) => textMatches(value, Array.from(r.labels ?? [], textOf).join(' ') || r.getAttribute('aria-label') || '') || r.value.trim().toLowerCase() === value.trim().toLowerCase());
        if (!radio) throw new Error(`no radio in ${describeTarget(f.target)} is labelled or valued "${value}"`);
        setChecked(radio, true);
        return undefined;
      }
      case 'check':
        setChecked(el, isTicked(value));
        return undefined;
      default:
        // plan.js refuses other kinds before the tab opens; this is the last word should one slip through.
        throw new Error(`the extension does not fill fields of kind ${f.kind}`);
    }
  }

  /** Clicks each target that shows up within `waitMs`; one that never does is fine (a cookie banner). */
  async function dismiss(targets, waitMs, log) {
    for (const t of targets) {
      const el = await find(t, waitMs).catch(() => undefined);
      if (!el) {
        log('nothing to dismiss', describeTarget(t));
        continue;
      }
      el.click();
      log('dismissed', describeTarget(t));
    }
  }

  /**
   * Fills `step` with its prepared `values` ({ skip } or { value } per field). Answers the
   * controls it filled and the advance button, which it does not press. Throws TargetMissing
   * for an element the page did not offer, and plain errors for a value a control refused.
   */
  async function fillStep(step, values, { stepMs, dismissMs }, log) {
    const first = step.click?.[0] ?? step.fields[0]?.target ?? step.check?.[0] ?? step.advance;
    await find(first, stepMs);
    if (step.dismiss) await dismiss(step.dismiss, dismissMs, log);
    for (const t of step.click ?? []) {
      (await find(t, stepMs)).click();
      log('clicked', describeTarget(t));
    }
    const filled = [];
    for (const [i, f] of step.fields.entries()) {
      if (values[i].skip) continue;
      const el = await find(f.target, stepMs);
      const note = put(el, f, values[i].value);
      if (note) log('trimmed', note);
      filled.push(el);
    }
    const fields = filled.length;
    for (const t of step.check ?? []) {
      const el = await find(t, stepMs);
      setChecked(el, true);
      filled.push(el);
    }
    log('step 1 filled', `${fields} field(s)${fields < step.fields.length ? `, ${step.fields.length - fields} optional one(s) left empty` : ''}`);
    return { filled, advance: await find(step.advance, stepMs) };
  }

  Object.assign(globalThis.boltline, { fillStep });
})();
