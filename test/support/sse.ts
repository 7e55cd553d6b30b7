export interface SseEvent {
  type: string;
  data: string;
}

/** Reads a server-sent event stream in the background, collecting its events as they come. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event: SseEvent = { type: 'message', data: '' };
          for (const line of buffer.slice(0, end).split('\n')) {
            if (line.startsWith('event: ')) event.type = line.slice(7);
            if (line.startsWith('data: ')) event.data += line.slice(6);
          }
          events.push(event);
          buffer = buffer.slice(end + 2);
        }
      }
    })();
  }
  return {
    status: res.status,
    events,
    /** The parsed data of every event of `type` so far. */
    of: (type: string) => events.filter((e) => e.type === type).map((e) => JSON.parse(e.data)),
    close: () => abort.abort(),
  };
}
