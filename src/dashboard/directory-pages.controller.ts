import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { parseDocument, stringify } from 'yaml';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import type { FieldError } from '../common/problem-types';
import { ProblemException } from '../common/problem.filter';
import { checkDirectory } from '../directories/definition/directory.schema';
import { SAMPLE_CUSTOMER } from '../authoring/try';
import { CREDENTIAL_NAME, CredentialsService } from '../directories/credentials.service';
import { DirectoriesService } from '../directories/directories.service';
import type { Directory } from '../directories/directory.entity';
import { documentOf } from '../directories/directory-store';
import { DirectoriesQuery, RECENT_RESULTS, SUCCESS_WINDOW } from './directories.query';
import { expected, redirectWith, staffActor } from './staff-action';
import { Views } from './views';

/** Bounded like a catalogue file's anchors: a definition is small, an alias bomb is not. */
const MAX_ALIAS_COUNT = 1_000;

/**
 * The catalogue: every directory with its recent success rate and last error, and one directory's
 * definition (YAML, editable by admins as YAML or JSON), settings, pause, credentials (write-only),
 * revisions and recent results. Every change goes through DirectoriesService or
 * CredentialsService, which validate and audit it. (Try and Suggest: DirectoryToolsController.)
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/directories')
export class DirectoryPagesController {
  constructor(
    private readonly directories: DirectoriesService,
    private readonly credentials: CredentialsService,
    private readonly query: DirectoriesQuery,
    private readonly views: Views,
  ) {}

  /** Every directory, or (`?attention=1`) those paused and waiting for staff. */
  @Get()
  async list(@Req() req: StaffRequest, @Res() res: Response, @Query('page') page: unknown, @Query('attention') attention: unknown) {
    const onlyPaused = attention === '1';
    const [list, paused] = await Promise.all([this.query.page(Number(page) || 1, onlyPaused), this.query.needingAttention()]);
    this.views.send(req, res, 'directories.njk', { title: 'Directories', list, paused, onlyPaused, window: SUCCESS_WINDOW });
  }

  @Get(':id')
  async show(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string) {
    const directory = await this.directories.get(id);
    await this.render(req, res, directory, definitionText(directory), []);
  }

  /** The definition as typed (YAML or JSON); a mistake re-renders the page with the text kept and each error by its path. */
  @Post(':id/definition')
  async edit(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const current = await this.directories.get(id);
    const text = typeof body.definition === 'string' ? body.definition : '';
    const parsed = parseDefinition(text);
    if (!parsed.ok) return this.render(req, res, current, text, parsed.errors, 422);
    // The editor leaves out enabled and position (their own form below): replace keeps what they
    // are at the moment of the write, so a disable made meanwhile stands. The text may still set them.
    let saved: Directory;
    try {
      saved = await this.directories.replace(id, parsed.value, staffActor(req));
    } catch (err) {
      if (err instanceof ProblemException && err.errors?.length) return this.render(req, res, current, text, err.errors, 422);
      return this.render(req, res, current, text, [{ field: '(definition)', messages: [expected(err)] }], 422);
    }
    const here = `/dashboard/directories/${encodeURIComponent(id)}`;
    const notice = saved.revision > current.revision ? `Saved as revision ${saved.revision}.` : `Saved; the form page and adapter did not change, so revision ${saved.revision} stays.`;
    await redirectWith(req, res, here, 'notice', notice);
  }

  /** Enabled state and position, each from its own small form. */
  @Post(':id/settings')
  async settings(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const here = `/dashboard/directories/${encodeURIComponent(id)}`;
    const patch: Record<string, unknown> = {};
    if (body.enabled === 'true' || body.enabled === 'false') patch.enabled = body.enabled === 'true';
    if (typeof body.position === 'string') patch.position = /^\d{1,9}$/.test(body.position.trim()) ? Number(body.position) : body.position;
    if (!Object.keys(patch).length) return redirectWith(req, res, here, 'error', 'Nothing to change: send enabled or position.');
    try {
      const saved = await this.directories.patch(id, patch, staffActor(req));
      await redirectWith(req, res, here, 'notice', `${saved.enabled ? 'Enabled' : 'Disabled'}, at position ${saved.position}.`);
    } catch (err) {
      const errors = err instanceof ProblemException && err.errors?.length ? err.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`).join(' ') : expected(err);
      await redirectWith(req, res, here, 'error', errors);
    }
  }

  /** Ends the pause the directory put itself in; its waiting rows run again. */
  @Post(':id/resume')
  async resume(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string) {
    const here = `/dashboard/directories/${encodeURIComponent(id)}`;
    try {
      await this.directories.resume(id, staffActor(req));
      await redirectWith(req, res, here, 'notice', 'Resumed: its waiting rows are tried again within about 10 seconds.');
    } catch (err) {
      await redirectWith(req, res, here, 'error', expected(err));
    }
  }

  /**
   * Stores (replaces) the directory's sign-in. Write-only: the values go to CredentialsService and
   * are never put back in a page, not even on a mistake (the form asks for them again).
   */
  @Post(':id/credentials')
  async storeCredentials(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const here = `/dashboard/directories/${encodeURIComponent(id)}#credentials`;
    try {
      const saved = await this.credentials.set(id, { values: credentialValues(body) }, staffActor(req));
      await redirectWith(req, res, here, 'notice', `Credentials stored (${saved.names.join(', ')}); they are never shown again.`);
    } catch (err) {
      const why = err instanceof ProblemException && err.errors?.length ? err.errors.map((e) => `${e.field}: ${e.messages.join('; ')}`).join(' ') : expected(err);
      await redirectWith(req, res, here, 'error', `Credentials not stored: ${why}. Enter them again.`);
    }
  }

  @Post(':id/credentials/forget')
  async forgetCredentials(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string) {
    const here = `/dashboard/directories/${encodeURIComponent(id)}#credentials`;
    try {
      await this.credentials.clear(id, staffActor(req));
      await redirectWith(req, res, here, 'notice', 'Credentials forgotten.');
    } catch (err) {
      await redirectWith(req, res, here, 'error', expected(err));
    }
  }

  private async render(req: StaffRequest, res: Response, directory: Directory, text: string, errors: FieldError[], status = 200) {
    const [revisions, recent, credentials] = await Promise.all([this.directories.revisions(directory.id), this.query.recent(directory.id), this.credentials.describe(directory.id)]);
    this.views.send(
      req,
      res,
      'directory.njk',
      {
        title: directory.name,
        directory,
        text,
        editorRows: editorRows(text),
        errors,
        revisions,
        recent,
        recentCount: RECENT_RESULTS,
        credentials,
        canStoreCredentials: this.credentials.canStore(),
        sampleCustomer: SAMPLE_CUSTOMER.businessName,
      },
      status,
    );
  }
}

/** The editor's height: the text's, within reason. */
export function editorRows(text: string): number {
  return Math.min(40, Math.max(12, text.split('\n').length + 2));
}

/**
 * The sign-in form's fields as CredentialsService takes them: username and password, and one more
 * pair of the admin's naming; empty fields are left out.
 */
function credentialValues(body: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  if (text(body.username)) values.username = body.username;
  if (text(body.password)) values.password = body.password;
  const other = text(body.otherName).trim();
  if (!other && !text(body.otherValue)) return values;
  // Zod names a bad record key only as "Invalid key in record": say what a name may be.
  if (!CREDENTIAL_NAME.test(other)) throw new ProblemException('validation', 'the other name must be a letter followed by up to 31 letters, digits or underscores, e.g. accountId');
  values[other] = body.otherValue ?? '';
  return values;
}

/**
 * The definition as the editor shows it: the document without enabled and position, keys in the
 * schema's order (PostgreSQL's jsonb keeps its own), as YAML.
 */
export function definitionText(d: Directory): string {
  const checked = checkDirectory(documentOf(d));
  const { enabled: _e, position: _p, ...doc } = checked.ok ? checked.value : documentOf(d);
  return stringify(doc, { lineWidth: 0 });
}

/** YAML or JSON (JSON is YAML too); a syntax error is named by line and column. */
export function parseDefinition(text: string): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  if (!text.trim()) return { ok: false, errors: [{ field: '(definition)', messages: ['the definition is empty'] }] };
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) return { ok: false, errors: [{ field: '(definition)', messages: doc.errors.slice(0, 10).map((e) => e.message.split('\n')[0]) }] };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    return { ok: false, errors: [{ field: '(definition)', messages: [(err as Error).message] }] };
  }
}
