import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type FormSchema, isFormSchema } from '@app/bpmn';
import type { Env } from '@app/config';
import { DATA_SOURCE, ENV } from '@app/runtime';
import { deployedFormOfInstance } from '@app/store';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The form of a task: the one the deployment of its instance's version carries (forms deploy
 * with their template, `deployment_forms`), so a task shows the form it was deployed with,
 * whatever the templates folder holds now. Only for an instance of a version deployed before
 * forms were part of deployments is the templates folder's form of that id used
 * (`<TEMPLATES_DIR>/forms/X.form`, or a form whose own `id` is X), loaded at start.
 */
@Injectable()
export class FormRegistry implements OnModuleInit {
  private readonly logger = new Logger(FormRegistry.name);
  private readonly legacy = new Map<string, FormSchema>();

  constructor(
    @Inject(ENV) private readonly env: Env,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load(join(this.env.TEMPLATES_DIR, 'forms'));
  }

  /** The form a task of an instance refers to (its `form_key`), if there is one. */
  async forTask(
    instanceId: string,
    formKey: string | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<FormSchema | undefined> {
    if (formKey === null) return undefined;
    const deployed = await deployedFormOfInstance(manager, instanceId, formKey);
    if (deployed !== undefined) return isFormSchema(deployed) ? deployed : undefined;
    return this.legacy.get(formKey);
  }

  private async load(folder: string): Promise<void> {
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
      this.legacy.set(basename(file, '.form'), schema);
      if (typeof schema.id === 'string' && schema.id !== '') aliases.push([schema.id, schema]);
    }
    // File names win over ids.
    for (const [id, schema] of aliases) if (!this.legacy.has(id)) this.legacy.set(id, schema);
  }
}
