/**
 * Route group /api/v1/auth: password sign-in for people (the dashboard).
 * The session lives in an HttpOnly, SameSite=Strict cookie (Secure when the
 * collector speaks TLS); the answer carries the session's CSRF token, which
 * state-changing requests send back in X-CSRF-Token (http/auth.ts).
 */
import { formatEventTime, SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { csrfTokenOf, type SignIn } from '../auth/sign-in.js';
import { POLICY } from './access-control.js';
import { SESSION_COOKIE, sessionCookie } from './auth.js';
import { ErrorSchema } from './schemas.js';

export interface AuthRoutesOptions {
  signIn: SignIn;
  /** Absolute session lifetime in seconds: the cookie's Max-Age. */
  maxAgeSeconds: number;
}

const LoginBodySchema = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const SessionSchema = Type.Object({
  user: Type.String(),
  role: Type.String(),
  csrfToken: Type.String({ description: 'Send it back in X-CSRF-Token on POST, PUT, PATCH and DELETE requests.' }),
  expires: Type.String({ description: 'When the session ends if unused (RFC 3339).' }),
});

const timeOf = (us: number): string => formatEventTime({ ms: Math.floor(us / 1000), us: us % 1000 });

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, opts) => {
  const { signIn } = opts;
  const errors = { '4xx': ErrorSchema };

  function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void {
    const secure = req.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
  }

  app.post(
    '/api/v1/auth/login',
    {
      config: { policy: POLICY.public('sign-in: the credentials are in the body') },
      schema: {
        summary: 'Sign in with a user name and password; sets the session cookie',
        body: LoginBodySchema,
        response: { 200: SessionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { user, password } = req.body as { user: string; password: string };
      const s = await signIn.login(user, password, req.ip || undefined);
      setCookie(req, reply, s.token, opts.maxAgeSeconds);
      reply.header('cache-control', 'no-store');
      return { user: s.user.name, role: s.user.role, csrfToken: s.csrfToken, expires: timeOf(s.expiresUs) };
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      config: { policy: POLICY.public('reads the session cookie itself') },
      schema: { summary: 'The signed-in user of the session cookie, with its CSRF token', response: { 200: SessionSchema, ...errors } },
    },
    async (req, reply) => {
      const cookie = sessionCookie(req);
      if (cookie === undefined) throw new SeclogError('AUTH_SESSION_INVALID', 'not signed in', { reason: 'no_cookie' });
      const { user, session } = signIn.session(cookie);
      reply.header('cache-control', 'no-store');
      return { user: user.name, role: user.role, csrfToken: csrfTokenOf(cookie), expires: timeOf(session.expiresUs) };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { policy: POLICY.public('ends the session of the cookie, CSRF-checked') },
      schema: { summary: 'End the session of the cookie and clear it', response: { 204: Type.Null(), ...errors } },
    },
    async (req, reply) => {
      const cookie = sessionCookie(req);
      if (cookie !== undefined) {
        const given = req.headers['x-csrf-token'];
        if (!signIn.csrfMatches(cookie, typeof given === 'string' ? given : undefined)) {
          throw new SeclogError('AUTH_CSRF_FAILED', "logout with a session needs the session's X-CSRF-Token header", {
            header: 'X-CSRF-Token',
          });
        }
        await signIn.logout(cookie, req.ip || undefined);
      }
      setCookie(req, reply, '', 0);
      return reply.status(204).send();
    },
  );
};
