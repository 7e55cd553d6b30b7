import { isCredentialName, LOG_LIMITS, REDACTED, TRUNCATED } from './logging.constants';

/** A request as pino's standard serializer hands it over (pino-std-serializers). */
export interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
  remoteAddress?: string;
  remotePort?: number;
}

/** What a log line says about a request. */
export interface LoggedRequest {
  id?: unknown;
  method?: string;
  url: string;
  /** The URL's full length, when `url` was cut short. */
  urlLength?: number;
  headers: Record<string, string>;
  /** How many headers were left out once LOG_LIMITS.headers was used up. */
  headersNotLogged?: number;
  remoteAddress?: string;
  remotePort?: number;
}

/**
 * The request as every log line about it shows it (the access line and any line logged while it
 * is handled): the URL cut to LOG_LIMITS.url and its credential parameters (`?token=` of an
 * event stream, an API key or session id a client put in a URL) replaced, headers cut and
 * credential headers replaced. The parsed `query` and `params` are not logged: they repeat the
 * URL, uncut and unredacted. Everything here works on at most the limits' worth of characters.
 */
export function requestForLog(req: SerializedRequest): LoggedRequest {
  return {
    id: req.id,
    method: req.method,
    ...logSafeUrl(req.url ?? ''),
    ...logSafeHeaders(req.headers ?? {}),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

/** The URL cut first (so nothing below sees more than LOG_LIMITS.url), then its credentials replaced. */
export function logSafeUrl(url: string): { url: string; urlLength?: number } {
  const cut = url.length > LOG_LIMITS.url;
  const head = cut ? url.slice(0, LOG_LIMITS.url) : url;
  const q = head.indexOf('?');
  const safe = q < 0 ? head : `${head.slice(0, q + 1)}${head.slice(q + 1).split('&').map(redactParam).join('&')}`;
  return cut ? { url: `${safe}${TRUNCATED}`, urlLength: url.length } : { url: safe };
}

/** `name=value` with the value replaced when the name is a credential's. A name cut off by the cap has no value left. */
function redactParam(param: string): string {
  const eq = param.indexOf('=');
  if (eq < 0) return param;
  const name = param.slice(0, eq);
  return isCredentialName(decodeName(name)) ? `${name}=${REDACTED}` : param;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name; // malformed %-escapes: judged as written
  }
}

/** Header names and values cut to their limits, credential headers replaced, the rest counted once the budget is spent. */
export function logSafeHeaders(headers: Record<string, string | string[] | undefined>): Pick<LoggedRequest, 'headers' | 'headersNotLogged'> {
  const logged: Record<string, string> = {};
  let budget = LOG_LIMITS.headers;
  let notLogged = 0;
  for (const [rawName, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const name = cap(rawName, LOG_LIMITS.headerName);
    // Only the part that can be logged is joined: a repeated header is not copied whole first.
    const value = isCredentialName(rawName) ? REDACTED : cap(Array.isArray(raw) ? joinCapped(raw, LOG_LIMITS.headerValue) : raw, LOG_LIMITS.headerValue);
    if (name.length + value.length > budget) {
      notLogged++;
      continue;
    }
    budget -= name.length + value.length;
    logged[name] = value;
  }
  return notLogged ? { headers: logged, headersNotLogged: notLogged } : { headers: logged };
}

function cap(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}${TRUNCATED}` : s;
}

function joinCapped(values: string[], max: number): string {
  let out = '';
  for (const v of values) {
    out += out ? `, ${v.slice(0, max)}` : v.slice(0, max);
    if (out.length > max) break;
  }
  return out;
}

/** The level of a request's access line: 503 (the database or a store away) warns, other 5xx are errors. */
export function accessLineLevel(status: number, err?: Error): 'info' | 'warn' | 'error' {
  if (status === 503) return 'warn';
  return status >= 500 || err ? 'error' : 'info';
}
