import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, type Sampler, SamplingDecision, TracerProvider } from '@opentelemetry/sdk-trace';
import { hostname } from 'node:os';
import { loadConfig } from '../config/config.schema';
import { scrubSecrets } from '../logging/scrub';
import { tracingOn } from './tracing-config';

/** Requests that are not work: probes and scrapes, every few seconds, would drown the traces. */
const UNTRACED = /^\/(?:api\/v1\/)?(?:health|metrics)(?:[/?]|$)/;

/** Incoming requests, minus probes and scrapes, with a query's credentials scrubbed. */
function httpIn(): HttpInstrumentation {
  return new HttpInstrumentation({
    disableOutgoingRequestInstrumentation: true,
    ignoreIncomingRequestHook: (req) => UNTRACED.test(req.url ?? ''),
    // The logs' rules for a query's credentials (`?token=` of event streams, `access_token`, …),
    // which name more than OpenTelemetry's own list; the hook's attributes win over its.
    startIncomingSpanHook: (req) => {
      const query = (req.url ?? '').split('?')[1];
      return query ? { 'url.query': scrubSecrets(`?${query}`).slice(1) } : {};
    },
  });
}

/**
 * Traces start with work: a request, an entry published or taken. Not with housekeeping, whose
 * spans are INTERNAL: BullMQ's look for work (every few seconds on an idle worker), its stalled
 * checks and lock renewals would each be a trace, and a fleet's collector would hold little else.
 * Below a sampled span everything is kept (clients' own sampling decisions are followed).
 */
const startsWithWork: Sampler = {
  shouldSample: (_context, _traceId, _name, kind) => ({ decision: kind === SpanKind.INTERNAL ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED }),
  toString: () => 'StartsWithWork',
};

/** A started tracer: flushes what it holds and stops (at exit). */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing for this process when a collector is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), else does nothing: tracing
 * is off by default, and then every span call is OpenTelemetry's no-op.
 *
 * Call it before anything loads express, pg or ioredis: the instrumentations patch those modules
 * as they are first required. Spans: the API's requests and Express routes, PostgreSQL queries and
 * Redis commands inside traced work, BullMQ's own (src/queue, through bullmq-otel), the outbox
 * relay's publishing and the browser's phases (src/tracing/spans.ts). W3C trace context crosses processes: an order keeps
 * its request's (jobs.trace_parent) and each queue entry carries it to the worker.
 */
export function startTracing(service: 'boltline-api' | 'boltline-worker'): Tracing | undefined {
  try {
    if (!tracingOn(loadConfig())) return undefined;
  } catch {
    return undefined; // bad settings: the entry point's own loadConfig() says which, and exits
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': process.env.OTEL_SERVICE_NAME || service,
      'service.instance.id': `${hostname()}-${process.pid}`,
    }),
    sampler: new ParentBasedSampler({ root: startsWithWork }),
    // The exporter reads its address and headers from the OTEL_EXPORTER_OTLP_* variables.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Requests in, on the API only. Not a worker's: its egress proxy is an HTTP server too, and
      // every request Chromium makes through it would be a trace, and would leave for a
      // directory's site with our `traceparent` on it. Requests out, nowhere, for the same reason.
      ...(service === 'boltline-api' ? [httpIn(), new ExpressInstrumentation()] : []),
      // Queries and commands inside a traced piece of work only: a background loop's own (the
      // relay's poll, every second) would each be a trace. Statement text only, never values.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}
