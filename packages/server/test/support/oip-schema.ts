import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { expect } from 'vitest';

const document = parse(readFileSync(new URL('../../spec/open_inference_rest.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
ajv.addSchema(document, 'oip');

/** Names of the response schemas of the OIP OpenAPI file. */
export type OipSchema =
  | 'metadata_server_response'
  | 'metadata_server_error_response'
  | 'metadata_model_response'
  | 'metadata_model_error_response'
  | 'inference_request'
  | 'inference_response'
  | 'inference_error_response';

/** Asserts that `body` (text or value) validates against a schema of the OIP OpenAPI file. */
export function expectOipSchema(schema: OipSchema, body: unknown): void {
  const value = typeof body === 'string' ? JSON.parse(body) : body;
  const validate = ajv.getSchema(`oip#/components/schemas/${schema}`);
  if (!validate) throw new Error(`schema ${schema} missing from the OpenAPI file`);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, `${schema}: ${JSON.stringify(value).slice(0, 200)}`).toEqual([]);
}

/** The `inference_error_response` shape shared by every error: `{"error": string}` and nothing else. */
export function expectOipError(body: string): string {
  expectOipSchema('inference_error_response', body);
  const value = JSON.parse(body) as { error: string };
  expect(Object.keys(value)).toEqual(['error']);
  expect(typeof value.error).toBe('string');
  return value.error;
}
