import type { Env } from '@app/config';
import type { JsonValue } from '@app/feel';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { MembersRepository, UnitsRepository } from '@app/org';
import {
  type Clock,
  InstancesRepository,
  type StartInput,
  TemplatesRepository,
  politicalBirthdayKey,
  themeDayKey,
} from '@app/store';
import { formatInstant } from '@app/time';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BulkStartRunner } from './bulk-starts.service.js';

/** Template keys (= BPMN process ids) the kick-off starts. */
export const THEME_DAY = 'theme-day';
export const POLITICAL_BIRTHDAY = 'political-birthday';

/**
 * Who attends the theme day and has a political birthday: admitted members, probationary
 * (预备党员) and full (正式党员). Activists, candidates and applicants are not yet members.
 */
export const ADMITTED_STATUSES = ['probationary', 'full'] as const;

/** The actor of instances the schedule starts. */
export const SCHEDULER_ACTOR = 'system:scheduler';

export interface StartTally {
  /** Instances started by this run. */
  readonly started: number;
  /** Wanted instances that existed already (their business key is taken). */
  readonly existing: number;
  /** True when the template is not deployed: nothing was started. */
  readonly skipped: boolean;
}

/** How a kick-off runs its batches (the defaults suit the scheduled run; a bench may vary them). */
export interface KickoffOptions {
  /** Starts per batch (one transaction, one job); default DEFAULT_BULK_BATCH_SIZE. */
  readonly batchSize?: number;
  /** Batches this process runs at once while it drains its bulks; default DRAIN_WIDTH. */
  readonly width?: number;
}

export interface KickoffReport {
  /** The month (YYYY-MM, in TIME_ZONE) this run opened. */
  readonly month: string;
  readonly themeDays: StartTally;
  readonly birthdays: StartTally;
}

/**
 * Opens a month: a `theme-day` for every branch and a `political-birthday` for every admitted
 * member whose admission anniversary falls in it. The month is the one the clock is in, in
 * TIME_ZONE. Each instance has a business key unique per month (theme day) or year (birthday)
 * within its unit, so running it again — the hourly catch-up, a second replica, a restart —
 * starts nothing new. The keys are in the scheduler's namespace (SCHEDULED_KEY_PREFIXES): the api
 * refuses them to people, so no one can take a key the kick-off needs.
 *
 * The starts that are missing go as one bulk start per process (BulkStartRunner): batches of
 * hundreds, each one transaction with multi-row writes, each a `start-batch` job that any
 * worker may take; this run drains the bulk itself too and answers once every batch is done.
 * The org tree is read with index range scans (a subtree is a range of `path`; a unit's
 * ancestors are the ids its path names).
 */
@Injectable()
export class MonthlyKickoff {
  private readonly logger = new Logger('MonthlyKickoff');
  /** `template:month` already warned about (one warning per month and process). */
  private readonly warned = new Set<string>();
  private readonly units: UnitsRepository;
  private readonly members: MembersRepository;
  private readonly instances: InstancesRepository;
  private readonly templates: TemplatesRepository;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(BulkStartRunner) private readonly bulks: BulkStartRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {
    this.units = new UnitsRepository(dataSource, clock);
    this.members = new MembersRepository(dataSource, clock);
    this.instances = new InstancesRepository(dataSource);
    this.templates = new TemplatesRepository(dataSource);
  }

  async run(options: KickoffOptions = {}): Promise<KickoffReport> {
    const local = formatInstant(this.clock.now(), this.env.TIME_ZONE);
    const month = local.slice(0, 7);
    const year = Number(local.slice(0, 4));
    const themeDays = await this.startAll(THEME_DAY, month, await this.themeDays(month), options);
    const birthdays = await this.startAll(
      POLITICAL_BIRTHDAY,
      month,
      await this.birthdays(year, Number(local.slice(5, 7))),
      options,
    );
    return { month, themeDays, birthdays };
  }

  /**
   * Every branch with the admitted members of its subtree (UnitsRepository.branchesWithMembers:
   * a range scan of the path index per branch).
   */
  private async themeDays(month: string): Promise<StartInput[]> {
    const branches = await this.units.branchesWithMembers(ADMITTED_STATUSES);
    return branches.map((branch) => ({
      templateKey: THEME_DAY,
      businessKey: themeDayKey(branch.id, month),
      orgUnitId: branch.id,
      variables: {
        branchId: branch.id,
        month,
        memberCount: branch.memberIds.length,
        memberIds: [...branch.memberIds],
      },
    }));
  }

  /**
   * Admitted members whose admission month is `month`, admitted in an earlier year (the first
   * anniversary is a year after admission). The instance's unit is the member's branch — the
   * nearest branch at or above the member's unit (a member may sit in a 党小组; see
   * MembersRepository.admissionAnniversaries).
   */
  private async birthdays(year: number, month: number): Promise<StartInput[]> {
    const members = await this.members.admissionAnniversaries(month, year, ADMITTED_STATUSES);
    return members.map((member) => ({
      templateKey: POLITICAL_BIRTHDAY,
      businessKey: politicalBirthdayKey(member.id, year),
      orgUnitId: member.branchId,
      variables: {
        memberId: member.id,
        memberName: member.name,
        admissionDate: member.admissionDate,
        year,
        branchId: member.branchId,
      } satisfies Record<string, JsonValue>,
    }));
  }

  private async startAll(
    templateKey: string,
    month: string,
    wanted: readonly StartInput[],
    options: KickoffOptions,
  ): Promise<StartTally> {
    if (wanted.length === 0) return { started: 0, existing: 0, skipped: false };
    if (!(await this.templates.isDeployed(templateKey))) {
      const key = `${templateKey}:${month}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.logger.warn(
          `template '${templateKey}' is not deployed: ${wanted.length} instance(s) for ${month} not started (the hourly catch-up starts them once it is)`,
        );
      }
      return { started: 0, existing: 0, skipped: true };
    }
    // Business keys are unique per template within a unit: taken means taken in that unit.
    const slot = (orgUnitId: string | null | undefined, businessKey: string | null | undefined) =>
      JSON.stringify([orgUnitId ?? null, businessKey ?? null]);
    const taken = new Set(
      (
        await this.instances.takenBusinessKeys(
          templateKey,
          wanted.map((input) => ({
            orgUnitId: input.orgUnitId ?? null,
            businessKey: input.businessKey ?? null,
          })),
        )
      ).map((row) => slot(row.orgUnitId, row.businessKey)),
    );
    const missing = wanted.filter((input) => !taken.has(slot(input.orgUnitId, input.businessKey)));
    if (missing.length === 0) return { started: 0, existing: taken.size, skipped: false };
    const plan = await this.bulks.plan({
      kind: 'kickoff',
      templateKey,
      orgUnitId: null,
      requestedBy: SCHEDULER_ACTOR,
      inputs: missing,
      batchSize: options.batchSize,
    });
    await this.bulks.drain(plan.id, options.width);
    const progress = await this.bulks.bulk.progress(plan.id);
    const started = progress?.started ?? 0;
    // Taken between our look and the batch (another replica's run): existing
    const existing = taken.size + (progress?.existing ?? 0);
    if (progress && progress.failed > 0) {
      this.logger.error(
        `${templateKey}: ${progress.failed} start(s) for ${month} refused (bulk ${plan.id}): ${progress.error ?? ''}`,
      );
    }
    if (started > 0) this.logger.log(`${templateKey}: started ${started} for ${month}`);
    return { started, existing, skipped: false };
  }
}
