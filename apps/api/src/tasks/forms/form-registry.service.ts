import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Env } from '@app/config';
import { ENV } from '@app/runtime';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type FormSchema, isFormSchema } from './form-schema.js';

/**
 * The forms of the templates folder (`<TEMPLATES_DIR>/forms/*.form`, form-js JSON), loaded at
 * start. A task's `zeebe:formDefinition formId="X"` (tasks.form_key) names the file `X.form`;
 * the schema's own `id` is accepted as a second name. A file that is not a form is logged and
 * skipped (its tasks complete without validation).
 */
@Injectable()
export class FormRegistry implements OnModuleInit {
  private readonly logger = new Logger(FormRegistry.name);
  private readonly forms = new Map<string, FormSchema>();

  constructor(@Inject(ENV) private readonly env: Env) {}

  async onModuleInit(): Promise<void> {
    await this.load(join(this.env.TEMPLATES_DIR, 'forms'));
  }

  /** The form a task refers to, if there is one. */
  get(formKey: string | null): FormSchema | undefined {
    return formKey === null ? undefined : this.forms.get(formKey);
  }

  get size(): number {
    return new Set(this.forms.values()).size;
  }

  async load(folder: string): Promise<void> {
    let files: string[];
    try {
      files = (await readdir(folder)).filter((file) => file.endsWith('.form')).sort();
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return;
      throw error;
    }
    const aliases: [string, FormSchema][] = [];
    for (const file of files) {
      const path = join(folder, file);
      let schema: unknown;
      try {
        schema = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        this.logger.error(`${path}: not JSON, skipped (${(error as Error).message})`);
        continue;
      }
      if (!isFormSchema(schema)) {
        this.logger.error(`${path}: not a form-js schema (no components), skipped`);
        continue;
      }
      this.forms.set(basename(file, '.form'), schema);
      if (typeof schema.id === 'string' && schema.id !== '') aliases.push([schema.id, schema]);
    }
    // File names win over ids.
    for (const [id, schema] of aliases) if (!this.forms.has(id)) this.forms.set(id, schema);
    this.logger.log(`loaded ${files.length} form file(s) from ${folder}`);
  }
}
