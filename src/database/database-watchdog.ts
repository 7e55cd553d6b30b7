import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { Subject, Subscription } from 'rxjs';
import { ProblemException } from '../common/problem.filter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config.schema';

/** How often PostgreSQL is asked `SELECT 1`, and how long it may take to answer. */
const PROBE_INTERVAL_MS = 500;
const PROBE_TIMEOUT_MS = 1500;

export const databaseUnavailable = () => new ProblemException(503, 'The database is not answering; retry in a few seconds.');

/**
 * Knows within about two seconds when PostgreSQL stops answering. A stopped server refuses
 * connections at once, but a frozen or unreachable one accepts them and stays silent: requests
 * would then wait for their own query time-outs (5.5 s each, twice when a rollback follows).
 * One small probe on its own connection tells every request at once.
 */
@Injectable()
export class DatabaseWatchdog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseWatchdog.name);
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Optimistic until a probe says otherwise: a request's own error still gives a 503. */
  available = true;
  /** Emits each time PostgreSQL is found not answering. */
  readonly lost = new Subject<void>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Runs `work`, unless PostgreSQL is away or goes away first: then a 503 at once. */
  async whileAvailable<T>(work: () => Promise<T>): Promise<T> {
    if (!this.available) throw databaseUnavailable();
    let subscription: Subscription | undefined;
    const lost = new Promise<never>((_, reject) => {
      subscription = this.lost.subscribe(() => reject(databaseUnavailable()));
    });
    try {
      return await Promise.race([work(), lost]);
    } finally {
      subscription?.unsubscribe();
    }
  }

  onModuleInit(): void {
    void this.probe();
  }

  private async probe(): Promise<void> {
    try {
      this.client ??= await this.connect();
      await this.client.query('SELECT 1');
      this.set(true);
    } catch {
      const client = this.client;
      this.client = undefined;
      // Not awaited: ending a connection to a frozen server waits for the server.
      void client?.end().catch(() => undefined);
      this.set(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.probe(), PROBE_INTERVAL_MS).unref();
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.config.DATABASE_URL, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
    client.on('error', () => undefined); // a dropped connection fails the next probe
    try {
      await client.connect();
      return client;
    } catch (err) {
      void client.end().catch(() => undefined);
      throw err;
    }
  }

  private set(available: boolean): void {
    if (available === this.available) return;
    this.available = available;
    if (available) this.logger.log('PostgreSQL answers again');
    else {
      this.logger.warn(`PostgreSQL did not answer within ${PROBE_TIMEOUT_MS} ms; requests get 503 until it does`);
      this.lost.next();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }
}
