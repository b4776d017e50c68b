import { fileURLToPath } from 'node:url';
import { readForms } from '@app/runtime';

let cached: Promise<Record<string, unknown>> | undefined;

/**
 * The forms of this repository's templates (`process-templates/forms/*.form`, by id), which a
 * harness deploys with every file it deploys (forms deploy with their template; a deployment
 * keeps only the forms its user tasks name, so the others are ignored).
 */
export function templateForms(): Promise<Record<string, unknown>> {
  cached ??= readForms(fileURLToPath(new URL('../../process-templates/forms', import.meta.url)));
  return cached;
}
