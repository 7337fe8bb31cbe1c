/**
 * Route group /api/v1/rules: list the loaded rules, enable or disable one,
 * add or replace a custom rule file. Admin, analyst and auditor tokens list;
 * changes are the admin's, each recorded as `log_config_change` with the
 * actor and the SHA-256 of the rule file (detect/rule-admin.ts) and applied
 * to the running engine at once.
 *
 * PUT /api/v1/rules takes the YAML as JSON (`{"yaml": "..."}`) or as the raw
 * body with Content-Type application/yaml or text/yaml
 * (`curl --data-binary @rule.yml`). A rule that does not parse or link is a
 * 400 whose message and details name the line (`request:<line>:<column>`)
 * and the construct.
 */
import { isUtf8 } from 'node:buffer';
import { SeclogError } from '@seclog/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Actor } from '../detect/audit.js';
import type { Detection } from '../detect/open-detection.js';
import type { RuleProblem } from '../detect/rule-library.js';
import type { Store } from '../store/types.js';
import { POLICY, principalOf } from './access-control.js';
import { runTestsOfRule } from './rule-tests.js';
import { ErrorSchema } from './schemas.js';

export interface RuleRoutesOptions {
  store: Store;
  detection: Detection;
}

/** Largest custom rule file, in characters: Sigma rules are a few KiB; a pack-sized file is a mistake. */
const MAX_RULE_CHARS = 256 * 1024;

const RuleSchema = Type.Object({
  id: Type.String({ description: 'The rule’s id, else its name' }),
  title: Type.String(),
  kind: Type.Enum(['detection', 'correlation', 'filter']),
  level: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.String(), Type.Null()]),
  version: Type.String({ description: 'Start of the SHA-256 of the rule document (alerts carry it)' }),
  enabled: Type.Boolean(),
  alerting: Type.Boolean({ description: 'Raises alerts of its own in the running rule set' }),
  source: Type.Enum(['builtin', 'custom']),
  file: Type.String({ description: 'Path in the built-in pack, or custom/<file id>' }),
  sha256: Type.String({ description: 'SHA-256 of the rule file’s text, hex' }),
});

const ListSchema = Type.Object({
  rules: Type.Array(RuleSchema),
  problems: Type.Array(Type.Object({ source: Type.String(), code: Type.String(), message: Type.String() }), {
    description: 'Rule files that did not load (left out; every other rule runs)',
  }),
});

const EnableSchema = Type.Object({ rule: RuleSchema, changed: Type.Boolean() });
const CustomSchema = Type.Object({
  file: Type.String({ description: 'The custom file’s id' }),
  sha256: Type.String(),
  rules: Type.Array(RuleSchema),
  replaced: Type.Union([Type.String(), Type.Null()], { description: 'The id of the custom file it replaced' }),
  changed: Type.Boolean({ description: 'False when the same text was already stored' }),
});

export const ruleRoutes: FastifyPluginAsync<RuleRoutesOptions> = async (app, opts) => {
  const { detection } = opts;
  const errors = { '4xx': ErrorSchema, '5xx': ErrorSchema };
  const actor = (req: FastifyRequest): Actor => ({
    principal: principalOf(req),
    ...(req.ip ? { ip: req.ip } : {}),
  });

  // Encapsulated in this plugin: only the rule routes accept YAML bodies.
  app.addContentTypeParser(['application/yaml', 'text/yaml', 'application/x-yaml'], { parseAs: 'buffer' }, (_req, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) done(new SeclogError('HTTP_BODY_INVALID', 'the body is not valid UTF-8', { reason: 'utf8' }), undefined);
    else done(null, { yaml: bytes.toString('utf8') });
  });

  app.get(
    '/api/v1/rules',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'The loaded rules (built-in and custom) and rule files that did not load',
        response: { 200: ListSchema, ...errors },
      },
    },
    async (req) => {
      actor(req);
      const problems: RuleProblem[] = detection.service.rules.problems;
      return { rules: detection.rules.list(), problems };
    },
  );

  app.put(
    '/api/v1/rules/:id',
    {
      config: { policy: POLICY.admin },
      schema: {
        summary: 'Enable or disable a rule (admin); logged with the rule file’s SHA-256',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: EnableSchema, ...errors },
      },
    },
    async (req) => {
      const who = actor(req);
      const { id } = req.params as { id: string };
      const { enabled } = req.body as { enabled: boolean };
      return detection.rules.setEnabled(id, enabled, who);
    },
  );

  // Changes nothing: any reader may run a rule's tests (the dashboard's rules page).
  app.post(
    '/api/v1/rules/:id/test',
    {
      config: { policy: POLICY.readers },
      schema: {
        summary: 'Run the tests of a built-in rule (its .test.yml in the rule pack) against the loaded rules',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: {
          200: Type.Object({
            rule: Type.String(),
            pass: Type.Boolean(),
            passed: Type.Integer(),
            failed: Type.Integer(),
            errors: Type.Integer(),
            files: Type.Array(Type.Object({}, { additionalProperties: true })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      actor(req);
      const { id } = req.params as { id: string };
      return runTestsOfRule(detection.service.rules, id);
    },
  );

  app.put(
    '/api/v1/rules',
    {
      config: { policy: POLICY.admin },
      schema: {
        summary: 'Add a custom rule file, or replace the custom file that holds any of its rule ids (admin)',
        body: Type.Object(
          { yaml: Type.String({ minLength: 1, maxLength: MAX_RULE_CHARS, description: 'Sigma YAML: one or more documents' }) },
          { additionalProperties: false },
        ),
        response: { 200: CustomSchema, ...errors },
      },
    },
    async (req) => {
      const who = actor(req);
      const { yaml } = req.body as { yaml: string };
      return detection.rules.putCustom(yaml, who);
    },
  );
};
