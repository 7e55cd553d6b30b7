import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Boltline's own spans and trace context, through OpenTelemetry's API only: with tracing off
 * (src/tracing/tracing.ts not started) every call here is a no-op.
 */
const tracer = () => trace.getTracer('boltline');

/** The W3C `traceparent` of the span running now (the request's, in a handler), or null. */
export function currentTraceParent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** What BullMQ's telemetry (bullmq-otel) reads a queue entry's trace context from: the carrier, as JSON. */
function queueMetadata(ctx: ReturnType<typeof context.active>): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? JSON.stringify(carrier) : undefined;
}

/**
 * The relay's publishing of each order, as a span in the trace of the request that opened it:
 * `metadataOf(jobId)` is what that order's queue entries carry, so the worker's spans follow on
 * from it. Orders without a trace (opened while tracing was off) get neither.
 */
export function publishSpans(orders: Array<{ jobId: string; traceParent: string | null }>, queue: string) {
  const spans = new Map<string, { span: Span; metadata?: string }>();
  for (const { jobId, traceParent } of orders) {
    if (!traceParent || spans.has(jobId)) continue;
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: traceParent });
    const span = tracer().startSpan(`publish ${queue}`, { kind: SpanKind.PRODUCER, attributes: { 'boltline.order.id': jobId, 'messaging.destination.name': queue } }, parent);
    spans.set(jobId, { span, metadata: queueMetadata(trace.setSpan(parent, span)) });
  }
  return {
    metadataOf: (jobId: string) => spans.get(jobId)?.metadata,
    end(err?: unknown) {
      for (const { span } of spans.values()) {
        if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        span.end();
      }
    },
  };
}

/**
 * Runs `fn` in a span of its own (a browser step, say), marked failed when it throws. Only the
 * error's kind is recorded: a browser's messages can hold what was typed, and traces leave the
 * redaction behind (src/engine/redact.ts).
 */
export async function inSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` outside the caller's trace: background work a request only set off (the relay's
 * pass, which publishes other requests' orders too) is not that request's. Its queries then make
 * no spans (they need a parent); what it publishes joins each order's own trace (publishSpans).
 */
export function outsideTrace<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn);
}
