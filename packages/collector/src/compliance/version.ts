/** seclog's version, for the header of the generated documentation: the collector package's own (src/ and dist/ sit at the same depth). */
import { readFileSync } from 'node:fs';

export const SECLOG_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
