/** One server-sent event as it arrived. */
export interface SseEvent {
  type: string;
  data: string;
}

export interface TestStream {
  status: number;
  headers: Headers;
  /** The problem+json body of a refused stream. */
  problem?: { type: string; status: number; detail: string };
  events: SseEvent[];
  /** The parsed data of every event of this type so far. */
  of(type: string): any[];
  /** True once the server has ended the stream. */
  readonly ended: boolean;
  /** Hangs up, as a client that leaves. */
  close(): void;
}

/** Opens a server-sent event stream with fetch and reads it in the background. */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<TestStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  let ended = false;
  let problem: TestStream['problem'];
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true, aborted: true }));
        if (done) {
          if (!abort.signal.aborted) ended = true;
          return;
        }
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
  } else {
    problem = (await res.json().catch(() => undefined)) as TestStream['problem'];
  }
  return {
    status: res.status,
    headers: res.headers,
    problem,
    events,
    of: (type) => events.filter((e) => e.type === type).map((e) => JSON.parse(e.data)),
    get ended() {
      return ended;
    },
    close: () => abort.abort(),
  };
}
