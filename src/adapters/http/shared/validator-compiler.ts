import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

interface RawIssue {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

/** What text may become each scalar type: `permanent=1` is not `true`, `limit=2.5` is not 2. */
const PLAIN_TEXT: Record<string, { pattern: RegExp; what: string }> = {
  integer: { pattern: /^-?\d+$/, what: 'an integer' },
  number: { pattern: /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, what: 'a number' },
  boolean: { pattern: /^(true|false)$/, what: 'true or false' },
};

/**
 * TypeBox validation for every part of a request. Bodies are checked as sent, never coerced
 * ("1" is not a number). Query strings and path parameters arrive as text and are converted,
 * but only from plain text of their type: `limit=2.5` is refused as an integer instead of
 * becoming 2, `0x10` or `1e2` are not integers either, and only `true`/`false` are booleans.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    if (httpPart === 'body') {
      return check.Check(value) ? { value } : { error: [...check.Errors(value)] as never };
    }
    const textIssues = plainNumberIssues(schema, value);
    const candidate = Value.Convert(schema, value);
    if (textIssues.length === 0 && check.Check(candidate)) return { value: candidate };
    const reported = new Set(textIssues.map((i) => i.instancePath));
    const others = [...check.Errors(candidate)].filter((e) => !reported.has(e.instancePath));
    return { error: [...textIssues, ...others] as never };
  };
};

function plainNumberIssues(schema: TSchema, value: unknown): RawIssue[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || typeof value !== 'object' || value === null) return [];
  const issues: RawIssue[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const raw = (value as Record<string, unknown>)[key];
    if (typeof raw !== 'string') continue;
    const rule = PLAIN_TEXT[String(property.type)];
    if (rule && !rule.pattern.test(raw)) {
      issues.push({
        keyword: 'type',
        instancePath: `/${key}`,
        schemaPath: `#/properties/${key}`,
        params: { type: property.type },
        message: `must be ${rule.what}, not '${raw}'`,
      });
    }
  }
  return issues;
}
