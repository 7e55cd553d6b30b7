import { BullMQOtel } from 'bullmq-otel';
import type { AppConfig } from '../config/config.schema';

type Settings = Pick<AppConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>;

/** Whether a process with these settings traces (startTracing starts it): its queues then carry trace context. */
export function tracingOn(config: Settings): boolean {
  return Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** BullMQ's telemetry for a process that traces: its own spans (add, process, …) and entries that carry trace context. */
export function queueTelemetry(config: Settings): { telemetry?: BullMQOtel } {
  return tracingOn(config) ? { telemetry: new BullMQOtel('boltline') } : {};
}
