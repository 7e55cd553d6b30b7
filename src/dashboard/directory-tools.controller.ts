import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/caller';
import { StaffRequest } from '../auth/staff-sessions';
import type { FieldError } from '../common/problem-types';
import { ProblemException } from '../common/problem.filter';
import { DirectoriesService } from '../directories/directories.service';
import { documentOf } from '../directories/directory-store';
import { sendScreenshot } from '../evidence/screenshots';
import { editorRows, parseDefinition } from './directory-pages.controller';
import { DirectoryTools } from './directory-tools.service';
import { expected, redirectWith, staffActor } from './staff-action';
import { Views } from './views';

/**
 * The adapter author's tools on the dashboard (admins; the staff mount refuses viewers' POSTs):
 * Try a directory up to its submit click, and Suggest a draft from a form page's URL, edited and
 * saved as a new directory through DirectoriesService.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/directories')
export class DirectoryToolsController {
  constructor(
    private readonly directories: DirectoriesService,
    private readonly tools: DirectoryTools,
    private readonly views: Views,
  ) {}

  /** Runs the adapter with the sample customer or the one named, and shows the report and screenshots. */
  @Post(':id/try')
  async try(@Req() req: StaffRequest, @Res() res: Response, @Param('id') id: string, @Body() body: Record<string, unknown>) {
    const directory = await this.directories.get(id);
    const customer = typeof body.customer === 'string' && body.customer.trim() ? body.customer.trim() : undefined;
    const page = { title: `Try of ${directory.name}`, directory, customer };
    try {
      const run = await this.tools.try(documentOf(directory), customer);
      this.views.send(req, res, 'directory-try.njk', { ...page, ...run, failed: run.result.targets.filter((t) => t.status !== 'matched').length });
    } catch (err) {
      const status = err instanceof ProblemException ? err.getStatus() : 500;
      this.views.send(req, res, 'directory-try.njk', { ...page, problem: expected(err) }, status);
    }
  }

  /** A Try's screenshot, for signed-in staff only (the run id is unguessable, the folder is under ARTIFACT_DIR). */
  @Get(':id/try/:run/:file')
  async screenshot(@Res() res: Response, @Param('id') id: string, @Param('run') run: string, @Param('file') file: string) {
    const path = await this.tools.screenshot(run, file);
    if (!path) throw new ProblemException('not-found', `No screenshot ${file} of that Try of ${id}: they are kept for a day.`);
    sendScreenshot(res, path, `a Try of ${id}`);
  }

  /** Reads a draft directory off a form page and opens it in the new-directory editor. */
  @Post('suggest')
  async suggest(@Req() req: StaffRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const url = typeof body.url === 'string' ? body.url.trim() : '';
    try {
      const text = await this.tools.suggest(url);
      this.renderNew(req, res, text, [], url);
    } catch (err) {
      await redirectWith(req, res, '/dashboard/directories', 'error', `No suggestion: ${expected(err)}`);
    }
  }

  /** Saves a new directory from the editor; a mistake re-renders it with the text kept and each error by its path. */
  @Post()
  async create(@Req() req: StaffRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const text = typeof body.definition === 'string' ? body.definition : '';
    const parsed = parseDefinition(text);
    if (!parsed.ok) return this.renderNew(req, res, text, parsed.errors, undefined, 422);
    try {
      const saved = await this.directories.create(parsed.value, staffActor(req));
      const note = `Saved as a new directory, ${saved.enabled ? 'enabled' : 'disabled'}: press Try to check it${saved.enabled ? '' : ', then enable it'}.`;
      await redirectWith(req, res, `/dashboard/directories/${encodeURIComponent(saved.id)}`, 'notice', note);
    } catch (err) {
      if (err instanceof ProblemException && err.errors?.length) return this.renderNew(req, res, text, err.errors, undefined, 422);
      return this.renderNew(req, res, text, [{ field: '(definition)', messages: [expected(err)] }], undefined, 422);
    }
  }

  private renderNew(req: StaffRequest, res: Response, text: string, errors: FieldError[], url?: string, status = 200) {
    this.views.send(req, res, 'directory-new.njk', { title: 'New directory', text, errors, url, editorRows: editorRows(text) }, status);
  }
}
