import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type dns from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import { PrepareRequestFunctionOpts, PrepareRequestFunctionResult, RequestError, Server } from 'proxy-chain';
import { CataloguePolicy } from './catalogue-policy.service';
import { EgressLease } from './egress-lease';

/**
 * The forward proxy every byte of the worker's Chromium goes through (see ChromiumService), on
 * 127.0.0.1 with a random port, owned by this process. `page.route` would miss redirects, and
 * nothing in the page can be trusted to ask first: the proxy sees every connection the browser
 * opens (navigations, redirects, form posts, iframes, fetch, WebSocket), for http as a forwarded
 * request and for everything else as a CONNECT, and lets through only what the lease's policy
 * allows, to the address the policy checked.
 */
@Injectable()
export class EgressProxy implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EgressProxy.name);
  private server?: Server;
  private readonly leases = new Map<string, EgressLease>();
  // Forwarded http requests get an agent of their own: the shutdown closes its idle sockets.
  private readonly agent = new PinnedAgent({ keepAlive: true });

  constructor(private readonly catalogue: CataloguePolicy) {}

  async onModuleInit(): Promise<void> {
    this.server = new Server({ host: '127.0.0.1', port: 0, prepareRequestFunction: (o) => this.decide(o) });
    this.server.on('requestFailed', ({ error }: { error: Error }) => this.logger.warn(`egress proxy: ${error.message}`));
    await this.server.listen();
  }

  get url(): string {
    if (!this.server) throw new Error('the egress proxy is not listening yet');
    return `http://127.0.0.1:${this.server.port}`;
  }

  /** Credentials and a policy snapshot for one browser context; `end()` it when the context closes. */
  async lease(): Promise<EgressLease> {
    const policy = await this.catalogue.current();
    const lease = new EgressLease(this.url, policy, (l) => this.leases.delete(l.proxy.username));
    this.leases.set(lease.proxy.username, lease);
    return lease;
  }

  private async decide(o: PrepareRequestFunctionOpts): Promise<PrepareRequestFunctionResult> {
    const lease = this.leases.get(o.username);
    // Chromium sends credentials only when asked: the 407 asks, Playwright answers for the context.
    // Unknown or ended credentials get the same 407, which Playwright answers by giving up.
    if (!lease || !lease.accepts(o.password)) return { requestAuthentication: true };
    const verdict = await lease.policy.check(o.hostname, o.port);
    if (verdict.kind === 'block') {
      lease.refuse({ endpoint: verdict.endpoint, reason: verdict.reason });
      throw new RequestError(`Boltline's egress policy refused ${verdict.endpoint}: ${verdict.reason}`, 403);
    }
    if (verdict.kind === 'fail') throw new RequestError(verdict.reason, 502);
    // proxy-chain connects by host name; its dnsLookup option lets us answer that lookup with the
    // address the policy checked, so the connection cannot land on another (DNS rebinding).
    return { dnsLookup: pinnedLookup(verdict.address, verdict.family) as unknown as typeof dns.lookup, httpAgent: this.agent };
  }

  async onApplicationShutdown(): Promise<void> {
    this.leases.clear();
    await this.server?.close(true).catch(() => undefined);
    this.agent.destroy();
  }
}

/** The address a pinnedLookup answers with, kept on the function for PinnedAgent. */
const PINNED = Symbol('pinned address');
type PinnedLookup = LookupFunction & { [PINNED]: string };

/** A dns.lookup that answers every question with one address (net asks with `all` for happy eyeballs). */
export function pinnedLookup(address: string, family: number): PinnedLookup {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    process.nextTick(() => {
      if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    });
  };
  return Object.assign(lookup, { [PINNED]: address });
}

/**
 * A keep-alive agent that pools sockets by the address they were pinned to as well as by host and
 * port. http.Agent keys its pool by host and port alone, so a request the policy pinned to one
 * address would otherwise go out on an idle socket opened to the address an earlier check chose.
 */
export class PinnedAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs): string {
    const pinned = (options?.lookup as Partial<PinnedLookup> | undefined)?.[PINNED];
    return pinned ? `${super.getName(options)}:pinned=${pinned}` : super.getName(options);
  }
}
