/** Where the REST API is mounted (http-app.ts), for the links the API hands out. */
export const API_PREFIX = 'api/v1';

/** A path under the API, e.g. apiPath('/jobs/…') is '/api/v1/jobs/…'. */
export const apiPath = (path: string) => `/${API_PREFIX}${path}`;
