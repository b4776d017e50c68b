import type { Env } from '@app/config';
import type { JsonValue } from '@app/feel';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import { type Clock, type StartInput, politicalBirthdayKey, themeDayKey } from '@app/store';
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
 * Every branch with the admitted members ($1) of its subtree. The subtree of `b` is the range of
 * paths from `b.path` up to its last `/` turned into `0` (the character after it; ids are
 * `[a-z0-9-]`): a range scan of org_units_path_idx (text_pattern_ops) per branch, where
 * `LIKE b.path || '%'` compared every branch with every unit.
 */
export const THEME_DAY_BRANCHES_SQL = `SELECT b.id,
              COALESCE(array_agg(m.id::text ORDER BY m.name, m.id) FILTER (WHERE m.id IS NOT NULL),
                       '{}') AS member_ids
         FROM org_units b
         JOIN org_units u ON u.path ~>=~ b.path AND u.path ~<~ (left(b.path, -1) || '0')
         LEFT JOIN members m ON m.org_unit_id = u.id AND m.status = ANY($1::member_status[])
        WHERE b.kind = 'branch'
        GROUP BY b.id, b.path
        ORDER BY b.path`;

/**
 * Admitted members ($3) admitted in month $1 of a year before $2, each with the nearest branch at
 * or above their unit: among the units its path names (primary-key lookups), where a prefix
 * match compared every member's unit with every branch.
 */
export const BIRTHDAY_MEMBERS_SQL = `SELECT m.id, m.name, m.admission_date::text AS admission_date,
              COALESCE(
                (SELECT b.id FROM org_units b
                  WHERE b.id = ANY (string_to_array(trim(BOTH '/' FROM u.path), '/'))
                    AND b.kind = 'branch'
                  ORDER BY length(b.path) DESC LIMIT 1),
                u.id) AS branch_id
         FROM members m JOIN org_units u ON u.id = m.org_unit_id
        WHERE m.admission_date IS NOT NULL
          AND EXTRACT(MONTH FROM m.admission_date) = $1
          AND EXTRACT(YEAR FROM m.admission_date) < $2
          AND m.status = ANY($3::member_status[])
        ORDER BY m.admission_date, m.id`;

interface BranchRow {
  id: string;
  member_ids: string[];
}

interface BirthdayRow {
  id: string;
  name: string;
  admission_date: string;
  branch_id: string;
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

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(BulkStartRunner) private readonly bulks: BulkStartRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {}

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

  /** Every branch with the admitted members of its subtree (THEME_DAY_BRANCHES_SQL). */
  private async themeDays(month: string): Promise<StartInput[]> {
    const branches = await this.dataSource.query<BranchRow[]>(THEME_DAY_BRANCHES_SQL, [
      ADMITTED_STATUSES,
    ]);
    return branches.map((branch) => ({
      templateKey: THEME_DAY,
      businessKey: themeDayKey(branch.id, month),
      orgUnitId: branch.id,
      variables: {
        branchId: branch.id,
        month,
        memberCount: branch.member_ids.length,
        memberIds: branch.member_ids,
      },
    }));
  }

  /**
   * Admitted members whose admission month is `month`, admitted in an earlier year (the first
   * anniversary is a year after admission). The instance's unit is the member's branch — the
   * nearest branch at or above the member's unit (a member may sit in a 党小组; see
   * BIRTHDAY_MEMBERS_SQL).
   */
  private async birthdays(year: number, month: number): Promise<StartInput[]> {
    const members = await this.dataSource.query<BirthdayRow[]>(BIRTHDAY_MEMBERS_SQL, [
      month,
      year,
      ADMITTED_STATUSES,
    ]);
    return members.map((member) => ({
      templateKey: POLITICAL_BIRTHDAY,
      businessKey: politicalBirthdayKey(member.id, year),
      orgUnitId: member.branch_id,
      variables: {
        memberId: member.id,
        memberName: member.name,
        admissionDate: member.admission_date,
        year,
        branchId: member.branch_id,
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
    if (!(await this.deployed(templateKey))) {
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
        await this.dataSource.query<{ org_unit_id: string | null; business_key: string }[]>(
          `SELECT p.org_unit_id, p.business_key FROM process_instances p
             JOIN unnest($2::text[], $3::text[]) AS w (org_unit_id, business_key)
               ON p.org_unit_id = w.org_unit_id AND p.business_key = w.business_key
            WHERE p.template_key = $1`,
          [
            templateKey,
            wanted.map((input) => input.orgUnitId ?? null),
            wanted.map((input) => input.businessKey ?? null),
          ],
        )
      ).map((row) => slot(row.org_unit_id, row.business_key)),
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

  private async deployed(templateKey: string): Promise<boolean> {
    const [row] = await this.dataSource.query<{ found: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM process_definitions WHERE key = $1) AS found`,
      [templateKey],
    );
    return row?.found ?? false;
  }
}
