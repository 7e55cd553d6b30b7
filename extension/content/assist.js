/*
 * The person's side of an assisted form. Once the definition's fields are filled, this outlines
 * what is left (the CAPTCHA: any empty control of the form the definition did not fill, and any
 * iframe in it) and the send button, and holds the person's press of that button (or Enter in
 * the form) until the service worker has asked Boltline whether the submission may go
 * (POST /leases/:id/submitting). Yes: the press is let through once, inside the click deadline.
 * No: nothing is sent, and the banner says why.
 */
globalThis.boltline ??= {};

(() => {
  const { fillStep, TargetMissing } = globalThis.boltline;
  const TODO = '3px solid #d97706';
  const SEND = '3px dashed #2563eb';

  /** Controls a form is made of that a person could still have to fill. */
  const CONTROLS = 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea, iframe';

  /** What the definition did not fill and is still empty, in the advance button's form (or the page). */
  function leftForPerson(advance, filled) {
    const scope = advance.form ?? advance.closest('form') ?? document.body;
    return Array.from(scope.querySelectorAll(CONTROLS)).filter((el) => {
      if (!globalThis.boltline.visible(el) || el.disabled || filled.some((f) => f === el || f.contains(el))) return false;
      if (el.tagName === 'IFRAME') return true;
      if (el.type === 'checkbox') return !el.checked;
      if (el.type === 'radio') return !(el.form ?? document).querySelector(`input[type=radio][name="${CSS.escape(el.name)}"]:checked`);
      return !el.value.trim();
    });
  }

  /** A small notice in the page's corner, in a shadow root so the page's styles leave it alone; it never takes a click. */
  function banner() {
    const host = document.createElement('div');
    host.style.cssText = 'position:fixed;top:8px;right:8px;z-index:2147483647;pointer-events:none;max-width:360px';
    const box = document.createElement('div');
    box.style.cssText = 'font:14px/1.4 system-ui,sans-serif;background:#fffbeb;color:#1f2937;border:2px solid #d97706;border-radius:6px;padding:8px 12px;box-shadow:0 2px 8px #0003';
    host.attachShadow({ mode: 'closed' }).append(box);
    document.documentElement.append(host);
    return (text) => (box.textContent = text);
  }

  /**
   * Holds presses of `advance` (and submits of its form) until the service worker says yes; then
   * lets exactly one through. A lease is one attempt: once sent, further presses are held for good
   * (a page that answers in place must not be sent twice without Boltline knowing).
   */
  function hold(leaseId, advance, say) {
    let state = 'holding'; // then 'asking', and 'sent' or 'refused'; back to 'holding' when Boltline did not answer
    let passing = false; // only while the extension's own press runs (the submit it fires is synchronous)
    const ask = async () => {
      state = 'asking';
      say('Asking Boltline whether this may be sent…');
      const answer = await chrome.runtime.sendMessage({ type: 'boltline:submitting', leaseId }).catch((err) => ({ go: false, message: err.message }));
      if (answer?.retry) {
        state = 'holding';
        say(answer.message);
        return;
      }
      if (!answer?.go) {
        state = 'refused';
        say(`Not sent: ${answer?.message ?? 'no answer from the extension'}`);
        return;
      }
      // The click must happen before the deadline Boltline gave (on this machine's clock); past it, nothing is sent.
      if (Date.now() >= answer.clickBefore) {
        state = 'refused';
        say('Not sent: the deadline to send passed. Boltline will offer this form again.');
        chrome.runtime.sendMessage({ type: 'boltline:late', leaseId }).catch(() => undefined);
        return;
      }
      state = 'sent';
      say('Sent. Boltline is reading the answer…');
      passing = true;
      try {
        advance.click();
      } finally {
        passing = false;
      }
    };
    const intercept = (event) => {
      if (passing) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (state === 'holding') void ask();
      else if (state === 'sent') say('Already sent once: Boltline is reading the answer.');
    };
    // Capture phase on the window: before the page's own handlers on the button or the form.
    window.addEventListener('click', (e) => e.composedPath().includes(advance) && intercept(e), true);
    window.addEventListener('submit', (e) => (e.target === advance.form || e.target.contains?.(advance)) && intercept(e), true);
  }

  /** The service worker's `boltline:fill`: fill, outline, hold. Answers what was done, or what went wrong. */
  async function start({ leaseId, directoryName, step, values, stepMs, dismissMs }) {
    const log = [];
    const note = (event, detail) => log.push({ at: new Date().toISOString(), event, ...(detail ? { detail } : {}) });
    if (globalThis.boltline.formOf) return { error: { kind: 'page', message: 'the form was already filled in this page' }, log };
    globalThis.boltline.formOf = leaseId; // tells the answer's reader this document is still the form
    try {
      const { filled, advance } = await fillStep(step, values, { stepMs, dismissMs }, note);
      const left = leftForPerson(advance, filled);
      for (const el of left) {
        el.style.outline = TODO;
        el.setAttribute('data-boltline', 'todo');
      }
      advance.style.outline = SEND;
      advance.setAttribute('data-boltline', 'send');
      const say = banner();
      const label = (advance.textContent || advance.value || 'send').trim();
      say(`Boltline filled this form for ${directoryName}. ${left.length ? `Finish what is outlined in orange (${left.length}), then press “${label}”.` : `Check it, then press “${label}”.`}`);
      hold(leaseId, advance, say);
      const next = left[0] ?? advance;
      next.scrollIntoView({ block: 'center' });
      if (next.tagName !== 'IFRAME') next.focus();
      note('waiting for a person', `${left.length} control(s) left for the person`);
      return { ok: true, left: left.length, log };
    } catch (err) {
      if (err instanceof TargetMissing) return { error: { kind: 'target_missing', target: err.target, message: err.message }, log };
      return { error: { kind: 'page', message: err.message }, log };
    }
  }

  if (!globalThis.boltline.listening) {
    globalThis.boltline.listening = true;
    chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
      if (msg?.type !== 'boltline:fill') return false;
      start(msg).then(reply);
      return true; // answered asynchronously
    });
  }
})();
