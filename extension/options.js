import { apiRoot } from './background/api.js';
import { workerIdentity } from './background/settings.js';

/**
 * The settings page: the Boltline URL and a worker key, kept in chrome.storage.local (this
 * profile only); saving them wakes the service worker. Below, what the extension is doing now.
 */
const form = document.getElementById('settings');
const saved = document.getElementById('saved');

const { apiUrl = '', key = '', paused = false } = await chrome.storage.local.get(['apiUrl', 'key', 'paused']);
Object.assign(form.elements.apiUrl, { value: apiUrl });
Object.assign(form.elements.key, { value: key });
form.elements.paused.checked = paused;
document.getElementById('workerId').textContent = (await workerIdentity()).id;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  let url;
  try {
    url = apiRoot(form.elements.apiUrl.value);
  } catch {
    saved.textContent = 'That URL cannot be read: paste it as shown in your browser, e.g. https://boltline.example.com';
    return;
  }
  await chrome.storage.local.set({ apiUrl: url, key: form.elements.key.value.trim(), paused: form.elements.paused.checked });
  form.elements.apiUrl.value = url;
  saved.textContent = 'Saved.';
});

const status = document.getElementById('status');
const show = (s) => (status.textContent = s ? `${s.text} (${new Date(s.at).toLocaleTimeString()})` : 'Not started yet.');
show((await chrome.storage.local.get('status')).status);
chrome.storage.onChanged.addListener((changes, area) => area === 'local' && changes.status && show(changes.status.newValue));
