// Boltline staff dashboard: live updates over server-sent events, and two conveniences.
// The pages work without this file; it only keeps them current without reloading.
(() => {
  'use strict';

  document.addEventListener('click', (e) => {
    const button = e.target.closest('[data-confirm]');
    if (button && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });
  const selectAll = document.getElementById('select-all');
  if (selectAll) {
    selectAll.addEventListener('change', () => {
      for (const box of document.querySelectorAll('input[name="ids"]')) box.checked = selectAll.checked;
    });
  }

  const order = document.querySelector('[data-live="order"]');
  const orders = document.querySelector('[data-live="orders"]');
  const overview = document.querySelector('[data-live="overview"]');
  if (!order && !orders && !overview) return;

  const liveState = document.getElementById('live-state');

  /** Progress bars and status badges of one order, wherever the page shows them. */
  function showJob(job) {
    const p = job.progress;
    for (const el of document.querySelectorAll(`[data-progress="${job.id}"]`)) {
      const bar = el.querySelector('progress');
      bar.max = p.total;
      bar.value = p.total - p.pending;
      bar.textContent = `${p.percent} %`;
      el.querySelector('[data-field="done"]').textContent = `${p.submitted}/${p.total}`;
      el.querySelector('[data-field="failed"]').textContent = p.failed ? `, ${p.failed} failed` : '';
      el.querySelector('[data-field="other"]').textContent =
        (p.needsReview ? `, ${p.needsReview} to review` : '') + (p.blocked ? `, ${p.blocked} blocked` : '') + (p.cancelled ? `, ${p.cancelled} cancelled` : '');
    }
    // The badge's words and colour come from the server (order-badge.ts), as on a reload.
    for (const el of document.querySelectorAll(`[data-status="${job.id}"]`)) {
      el.textContent = job.badge.text;
      el.className = `status status-${job.badge.tone}`;
    }
    // The order's action buttons: those its new status allows (retry only with failed rows).
    for (const form of document.querySelectorAll(`[data-job="${job.id}"] form[data-allowed-from]`)) {
      const allowed = form.dataset.allowedFrom.split(' ').includes(job.status) && (form.dataset.action !== 'retry' || p.failed > 0);
      form.hidden = !allowed;
    }
  }

  async function fetchText(url) {
    const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    return res.text();
  }

  /** Calls `task` at most once at a time; calls meanwhile are folded into one more run. */
  function coalesced(task, minGapMs = 0) {
    let running = false;
    let again = false;
    const run = async () => {
      if (running) return void (again = true);
      running = true;
      try {
        await task();
      } catch (err) {
        console.warn(err);
      }
      await new Promise((r) => setTimeout(r, minGapMs));
      running = false;
      if (again) {
        again = false;
        run();
      }
    };
    return run;
  }

  // One order: its rows are re-rendered by the server and swapped in by id.
  let pendingRows = new Set();
  let allRows = false;
  const rowsBody = document.getElementById('rows');
  const refreshRows = coalesced(async () => {
    const ids = allRows ? '' : [...pendingRows].join(',');
    pendingRows = new Set();
    allRows = false;
    const html = await fetchText(`${rowsBody.dataset.rowsUrl}?ids=${ids}`);
    const holder = document.createElement('tbody');
    holder.innerHTML = html;
    for (const row of [...holder.querySelectorAll('tr[data-row]')]) {
      const old = document.getElementById(row.id);
      if (!old) continue;
      if (old.dataset.rowStatus === row.dataset.rowStatus && old.innerHTML === row.innerHTML) continue;
      const opened = old.querySelector('details[open]');
      if (opened) row.querySelector('details')?.setAttribute('open', '');
      row.classList.add('changed');
      old.replaceWith(row);
    }
  });

  const refreshOverview = coalesced(async () => {
    overview.innerHTML = await fetchText(overview.dataset.liveUrl);
  }, 2000);

  const catchUp = coalesced(async () => {
    const ids = order ? [order.dataset.job] : [...document.querySelectorAll('tr[data-job]')].map((r) => r.dataset.job);
    if (ids.length) {
      const res = await fetch(`/dashboard/orders/progress?ids=${ids.join(',')}`, { credentials: 'same-origin' });
      if (res.ok) for (const job of await res.json()) showJob(job);
    }
  });

  const params = new URLSearchParams();
  if (order) params.set('job', order.dataset.job);
  if (overview) params.set('fleet', '1');
  const source = new EventSource(`/dashboard/live?${params}`);
  let connected = false;
  source.addEventListener('open', () => {
    connected = true;
    liveState.hidden = true;
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself; the resync that follows reads everything again.
    liveState.textContent = connected ? 'Live updates interrupted; reconnecting…' : 'Live updates unavailable; reconnecting…';
    liveState.hidden = false;
  });
  source.addEventListener('resync', () => {
    if (overview) refreshOverview();
    if (order || orders) catchUp();
    if (rowsBody && connected) {
      allRows = true;
      refreshRows();
    }
  });
  source.addEventListener('job', (e) => {
    const update = JSON.parse(e.data);
    showJob(update);
    if (overview) refreshOverview();
    if (rowsBody && update.id === order.dataset.job) {
      if (update.rows === 'all') allRows = true;
      else for (const id of update.rows) pendingRows.add(id);
      refreshRows();
    }
  });
  source.addEventListener('fleet', () => refreshOverview());
  source.addEventListener('end', (e) => {
    // The sign-in ended (signed out, or the member was disabled): a reconnect would be refused.
    source.close();
    liveState.textContent = `Live updates ended: ${JSON.parse(e.data).reason}`;
    liveState.hidden = false;
  });
})();
