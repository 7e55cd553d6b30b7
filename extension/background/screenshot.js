import { MAX_SCREENSHOT_BYTES } from './constants.js';

/**
 * The tab as the person sees it at the end, as PNG bytes the API takes (at most 2 MB). The tab
 * is brought to the front first: Chrome only captures the visible tab of a window. A capture
 * over the limit (a tall, busy page on a large screen) is scaled down until it fits, rather
 * than lost.
 */
export async function screenshotOf(tabId) {
  const tab = await chrome.tabs.update(tabId, { active: true });
  await chrome.windows.update(tab.windowId, { focused: true }).catch(() => undefined);
  const dataUrl = await chrome.tabs.captureVisibleTab(tab.windowId, { format: 'png' });
  const full = await (await fetch(dataUrl)).blob();
  let png = full;
  for (let scale = 0.7; png.size > MAX_SCREENSHOT_BYTES && scale > 0.1; scale *= 0.7) png = await scaled(full, scale);
  return png.size > MAX_SCREENSHOT_BYTES ? undefined : png;
}

async function scaled(png, scale) {
  const bitmap = await createImageBitmap(png);
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: 'image/png' });
}
