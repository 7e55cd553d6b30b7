import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { Templates } from '../views/templates';
import { Public } from './caller';
import { RateLimitStorage } from './rate-limit';
import { saveSession, StaffRequest, StaffSessions } from './staff-sessions';
import { StaffService } from './staff.service';
import { AccessNotices } from './access-notices';

export class LoginDto {
  @IsString() @MaxLength(320) email: string;
  @IsString() @MaxLength(1024) password: string;
  @IsOptional() @IsString() @MaxLength(2000) next?: string;
  @IsOptional() @IsString() @MaxLength(200) _csrf?: string;
}

/** Where staff land after signing in. */
export const STAFF_HOME = '/dashboard';
/** Failed sign-ins per client address and per email in 15 minutes (from the first) before 429. */
const LOGIN_FAILURES = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;

/** Only a path on this site: `next` must not send a signed-in member elsewhere. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : STAFF_HOME;
}

/**
 * The staff sign-in page, sign-in and sign-out. Public as far as API keys go; the session and
 * CSRF middleware are mounted on /staff (see http-app.ts).
 */
@ApiExcludeController()
@Public()
@Controller('staff')
export class LoginController {
  constructor(
    private readonly sessions: StaffSessions,
    private readonly staff: StaffService,
    private readonly audit: AuditService,
    private readonly limits: RateLimitStorage,
    private readonly templates: Templates,
    private readonly access: AccessNotices,
  ) {}

  @Get('login')
  page(@Req() req: Request, @Res() res: Response, @Query('next') next?: string, error?: string, status = 200) {
    const html = this.templates.render('login.njk', { title: 'Sign in', error, csrf: this.sessions.signInCsrfToken(req, res), next: safeNext(next) });
    res.status(status).type('html').send(html);
  }

  @Post('login')
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res() res: Response) {
    const ip = req.ip ?? 'unknown';
    const limits = [`login-failures:ip:${ip}`, `login-failures:email:${dto.email.trim().toLowerCase()}`];
    // Checked before the password is hashed, by taking a slot first: a refused guess costs no
    // scrypt, and while the limit holds the right password is refused like any other.
    const slots = await Promise.all(limits.map((key) => this.limits.take(key, LOGIN_FAILURES, LOGIN_WINDOW_MS)));
    if (slots.some((s) => !s.allowed)) {
      await Promise.all(limits.map((key) => this.limits.giveBack(key))); // a refusal is not a failure either
      await this.audit.record({ actorType: 'staff', actor: dto.email.slice(0, 320), action: 'staff.login-refused', detail: { reason: 'too many failed sign-ins' }, ip });
      res.setHeader('Retry-After', String(Math.max(...slots.filter((s) => !s.allowed).map((s) => s.retryAfterS))));
      return this.page(req, res, dto.next, 'Too many failed sign-ins; wait a few minutes.', 429);
    }
    const giveBack = () => Promise.all(limits.map((key) => this.limits.giveBack(key)));
    // A sign-in that could not be checked (the database away) is not a failed guess either.
    const member = await this.staff.verify(dto.email, dto.password).catch(async (err: unknown) => {
      await giveBack().catch(() => undefined);
      throw err;
    });
    if (!member) {
      // The slots taken stay taken: that is the count of failures.
      await this.audit.record({ actorType: 'staff', actor: dto.email.slice(0, 320), action: 'staff.login-failed', ip });
      return this.page(req, res, dto.next, 'Wrong email or password.', 401);
    }
    await giveBack();
    // A new session id on sign-in, so a session fixed before it is worth nothing after.
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    req.session.staffId = member.id;
    req.session.signedInAt = Date.now();
    await saveSession(req);
    await this.audit.record({ actorType: 'staff', actorId: member.id, actor: member.email, action: 'staff.login', ip });
    res.redirect(303, safeNext(dto.next));
  }

  @Post('logout')
  @HttpCode(303)
  async logout(@Req() req: StaffRequest, @Res() res: Response) {
    const id = req.session.staffId;
    const member = id ? await this.staff.current(id) : undefined;
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    if (member) await this.audit.record({ actorType: 'staff', actorId: member.id, actor: member.email, action: 'staff.logout', ip: req.ip });
    // This sign-in's live feeds end now on every replica, not at the next periodic check.
    if (id) await this.access.announce({ staffId: id });
    this.sessions.clearCookie(req, res);
    res.redirect(303, '/staff/login');
  }
}
