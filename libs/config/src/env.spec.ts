import { availableParallelism } from 'node:os';
import { describe, expect, it } from '@jest/globals';
import { EnvException, loadEnv } from './env.js';

describe('loadEnv', () => {
  it('given nothing set, when loaded, then every default suits a local machine', () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/branchflow');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.PORT).toBe(3000);
    expect(env.reminderOffsets).toEqual(['P3D', 'P1D', 'PT0S']);
  });

  it('given values, when loaded, then numbers are parsed and strings kept', () => {
    const env = loadEnv({
      PORT: '8080',
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REMINDER_OFFSETS: 'P2D',
    });
    expect(env.PORT).toBe(8080);
    expect(env.DATABASE_URL).toBe('postgresql://u:p@db:5432/x');
    expect(env.reminderOffsets).toEqual(['P2D']);
  });

  it('given bad values, when loaded, then the error names each bad variable and why', () => {
    let error: unknown;
    try {
      loadEnv({ PORT: 'eighty', REDIS_URL: 'localhost:6379', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvException);
    const problems = (error as EnvException).problems.join('\n');
    expect(problems).toMatch(/^PORT="eighty": PORT must be a whole number/m);
    expect(problems).toMatch(/^REDIS_URL="localhost:6379": REDIS_URL must be a redis:\/\/ URL/m);
    expect(problems).toMatch(
      /^DATABASE_URL="mysql:\/\/x": DATABASE_URL must be a postgres:\/\/ URL/m,
    );
  });

  it('given a pool size, when loaded, then 1 is the least taken and 0 is named', () => {
    expect(loadEnv({}).DATABASE_POOL_SIZE).toBe(availableParallelism() + 1);
    expect(loadEnv({ DATABASE_POOL_SIZE: '1' }).DATABASE_POOL_SIZE).toBe(1);
    expect(() => loadEnv({ DATABASE_POOL_SIZE: '0' })).toThrow(
      /DATABASE_POOL_SIZE="?0"?: DATABASE_POOL_SIZE must be between 1 and 1000/,
    );
  });

  it('given a step cache size, when loaded, then 0 (no cache) is taken and a negative one named', () => {
    expect(loadEnv({}).STEP_CACHE_SIZE).toBe(10_000);
    expect(loadEnv({ STEP_CACHE_SIZE: '0' }).STEP_CACHE_SIZE).toBe(0);
    expect(() => loadEnv({ STEP_CACHE_SIZE: '-1' })).toThrow(
      /STEP_CACHE_SIZE=-1: STEP_CACHE_SIZE must be 0 or more/,
    );
  });

  it('given ledger settings, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({ LEDGER_YELLOW_DAYS: '5' });
    expect([
      env.LEDGER_ATTACHMENT_MAX_BYTES,
      env.LEDGER_YELLOW_DAYS,
      env.LEDGER_ESCALATION_EVERY,
      env.LEDGER_GRACE_DAYS,
    ]).toEqual([10 * 1024 * 1024, 5, 'P1D', 3]);
    expect(loadEnv({ LEDGER_GRACE_DAYS: '0' }).LEDGER_GRACE_DAYS).toBe(0);
    expect(() => loadEnv({ LEDGER_GRACE_DAYS: '-1' })).toThrow(/LEDGER_GRACE_DAYS=-1/);
    expect(loadEnv({}).LEDGER_BULK_VERIFY_MAX).toBe(200);
    expect(() => loadEnv({ LEDGER_BULK_VERIFY_MAX: '0' })).toThrow(/LEDGER_BULK_VERIFY_MAX=0/);
    expect(loadEnv({}).FORM_MEMBER_OPTIONS_MAX).toBe(500);
    expect(() => loadEnv({ FORM_MEMBER_OPTIONS_MAX: '0' })).toThrow(/FORM_MEMBER_OPTIONS_MAX=0/);
    expect(loadEnv({}).IMPORT_MAX_BYTES).toBe(5 * 1024 * 1024);
    expect(loadEnv({}).IMPORT_MAX_ROWS).toBe(20_000);
    expect(loadEnv({ IMPORT_MAX_ROWS: '50' }).IMPORT_MAX_ROWS).toBe(50);
    expect(() => loadEnv({ IMPORT_MAX_BYTES: '0' })).toThrow(/IMPORT_MAX_BYTES=0/);
    expect(() => loadEnv({ IMPORT_MAX_ROWS: 'many' })).toThrow(/IMPORT_MAX_ROWS/);
    expect(() => loadEnv({ LEDGER_ESCALATION_EVERY: '1 day' })).toThrow(
      /LEDGER_ESCALATION_EVERY="1 day"/,
    );
    expect(() => loadEnv({ LEDGER_ATTACHMENT_MAX_BYTES: '0' })).toThrow(
      /LEDGER_ATTACHMENT_MAX_BYTES=0/,
    );
  });

  it('given notification channel settings, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect([env.channelHosts, env.CHANNELS_PER_UNIT, env.CHANNEL_TIMEOUT_MS]).toEqual([
      ['qyapi.weixin.qq.com', 'oapi.dingtalk.com'],
      20,
      10_000,
    ]);
    expect(loadEnv({ CHANNEL_HOSTS: '127.0.0.1,robot.example' }).channelHosts).toEqual([
      '127.0.0.1',
      'robot.example',
    ]);
    expect(() => loadEnv({ CHANNEL_HOSTS: 'https://qyapi.weixin.qq.com/' })).toThrow(
      /CHANNEL_HOSTS="https:\/\/qyapi.weixin.qq.com\/": CHANNEL_HOSTS must be a comma-separated list/,
    );
    expect(() => loadEnv({ CHANNELS_PER_UNIT: '0' })).toThrow(/CHANNELS_PER_UNIT=0/);
    expect(() => loadEnv({ CHANNELS_PER_UNIT: '1001' })).toThrow(/CHANNELS_PER_UNIT=1001/);
    expect(() => loadEnv({ CHANNEL_TIMEOUT_MS: '99' })).toThrow(/CHANNEL_TIMEOUT_MS=99/);
    expect(() => loadEnv({ CHANNEL_TIMEOUT_MS: '60001' })).toThrow(/CHANNEL_TIMEOUT_MS=60001/);
  });

  it('given service-task types, when loaded, then empty by default, a list split, a bad one named', () => {
    expect(loadEnv({}).serviceTaskTypes).toEqual([]);
    expect(loadEnv({ SERVICE_TASK_TYPES: 'payment,crm.sync' }).serviceTaskTypes).toEqual([
      'payment',
      'crm.sync',
    ]);
    expect(() => loadEnv({ SERVICE_TASK_TYPES: 'a,,b' })).toThrow(/SERVICE_TASK_TYPES="a,,b"/);
    expect(() => loadEnv({ SERVICE_TASK_TYPES: 'has space' })).toThrow(/SERVICE_TASK_TYPES/);
  });

  it('given throttling and input limits, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect([
      env.AUTH_FAILURES_PER_MINUTE,
      env.AUTH_LOCKOUT_SECONDS,
      env.REFUSAL_FLUSH_SECONDS,
      env.JSON_MAX_DEPTH,
      env.trustProxy,
    ]).toEqual([20, 300, 60, 64, false]);
    expect(loadEnv({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadEnv({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadEnv({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(() => loadEnv({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY="yes please"/);
    expect(() => loadEnv({ AUTH_FAILURES_PER_MINUTE: '0' })).toThrow(/AUTH_FAILURES_PER_MINUTE=0/);
    expect(() => loadEnv({ JSON_MAX_DEPTH: '1' })).toThrow(/JSON_MAX_DEPTH=1/);
  });

  it('given audit checkpoint settings, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect([
      env.AUDIT_CHECKPOINT_EVERY,
      env.AUDIT_CHECKPOINT_FILE,
      env.AUDIT_CHECKPOINT_WEBHOOK,
      env.AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS,
    ]).toEqual(['PT1H', '', '', 10_000]);
    expect(() => loadEnv({ AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS: '0' })).toThrow(
      /AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS=0/,
    );
    expect(loadEnv({ AUDIT_CHECKPOINT_EVERY: 'P1D' }).AUDIT_CHECKPOINT_EVERY).toBe('P1D');
    expect(() => loadEnv({ AUDIT_CHECKPOINT_EVERY: 'P1M' })).toThrow(
      /AUDIT_CHECKPOINT_EVERY="P1M"/,
    );
    expect(() => loadEnv({ AUDIT_CHECKPOINT_WEBHOOK: 'ftp://x' })).toThrow(
      /AUDIT_CHECKPOINT_WEBHOOK="ftp:\/\/x"/,
    );
  });

  it('given FEEL and timer limits, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect(env.feelLimits).toEqual({
      maxExpressionLength: 4096,
      timeBudgetMs: 250,
      stepBudgetMs: 1_000,
      maxListItems: 10_000,
      maxTextLength: 1_000_000,
      maxDepth: 64,
    });
    expect(env.timerLimits).toEqual({
      minInterval: 'PT1M',
      maxRepetitions: 1000,
      minOpenInterval: 'P1D',
    });
    expect(loadEnv({ FEEL_TIME_BUDGET_MS: '500' }).feelLimits.timeBudgetMs).toBe(500);
    expect(loadEnv({ FEEL_STEP_BUDGET_MS: '2000' }).feelLimits.stepBudgetMs).toBe(2000);
    expect(() => loadEnv({ FEEL_STEP_BUDGET_MS: '0' })).toThrow(/FEEL_STEP_BUDGET_MS=0/);
    expect(loadEnv({ TIMER_MIN_INTERVAL: 'PT5M' }).timerLimits.minInterval).toBe('PT5M');
    expect(() => loadEnv({ FEEL_TIME_BUDGET_MS: '0' })).toThrow(/FEEL_TIME_BUDGET_MS=0/);
    expect(() => loadEnv({ FEEL_MAX_LIST: 'lots' })).toThrow(/FEEL_MAX_LIST="lots"/);
    expect(() => loadEnv({ TIMER_MIN_INTERVAL: '1 minute' })).toThrow(
      /TIMER_MIN_INTERVAL="1 minute"/,
    );
    expect(() => loadEnv({ TIMER_MAX_REPETITIONS: '0' })).toThrow(/TIMER_MAX_REPETITIONS=0/);
  });

  it('given template and step limits, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect([
      env.TEMPLATE_MAX_ELEMENTS,
      env.TEMPLATE_MAX_DEPTH,
      env.CALL_ACTIVITY_MAX_DEPTH,
      env.STEP_MAX_ACTIVATIONS,
    ]).toEqual([10_000, 32, 10, 10_000]);
    expect(loadEnv({ CALL_ACTIVITY_MAX_DEPTH: '3' }).CALL_ACTIVITY_MAX_DEPTH).toBe(3);
    expect(() => loadEnv({ TEMPLATE_MAX_DEPTH: '0' })).toThrow(/TEMPLATE_MAX_DEPTH=0/);
    expect(loadEnv({}).FORM_MAX_BYTES).toBe(262_144);
    expect(loadEnv({ FORM_MAX_COMPONENTS: '50' }).FORM_MAX_COMPONENTS).toBe(50);
    expect(() => loadEnv({ FORM_MAX_COMPONENTS: '0' })).toThrow(/FORM_MAX_COMPONENTS=0/);
    expect(() => loadEnv({ FORM_MAX_BYTES: 'lots' })).toThrow(/FORM_MAX_BYTES/);
    expect(() => loadEnv({ STEP_MAX_ACTIVATIONS: 'many' })).toThrow(/STEP_MAX_ACTIVATIONS="many"/);
  });

  it('given log-in and session settings, when loaded, then defaults apply and bad ones are named', () => {
    const env = loadEnv({});
    expect([
      env.NODE_ENV,
      env.SESSION_IDLE_MINUTES,
      env.SESSION_MAX_HOURS,
      env.COOKIE_SECURE,
      env.LOGIN_FAILURES_PER_ACCOUNT,
      env.LOGIN_LOCKOUT_MINUTES,
      env.TOKEN_MAX_DAYS,
    ]).toEqual(['development', 120, 12, 'auto', 5, 15, 365]);
    expect(loadEnv({ NODE_ENV: 'production' }).NODE_ENV).toBe('production');
    expect(() => loadEnv({ NODE_ENV: 'prod' })).toThrow(/NODE_ENV="prod": NODE_ENV must be/);
    expect(() => loadEnv({ SESSION_IDLE_MINUTES: '0' })).toThrow(/SESSION_IDLE_MINUTES=0/);
    expect(() => loadEnv({ COOKIE_SECURE: 'yes' })).toThrow(/COOKIE_SECURE="yes"/);
    expect(() => loadEnv({ LOGIN_FAILURES_PER_ACCOUNT: 'x' })).toThrow(
      /LOGIN_FAILURES_PER_ACCOUNT="x"/,
    );
  });

  it('given a Redis Cluster, when loaded, then BULLMQ_PREFIX must hold no hash tag (one Redis: it may) and the nodes be redis:// URLs', () => {
    // One Redis keeps the prefixes deployments have, hash tag or not
    expect(loadEnv({ BULLMQ_PREFIX: '{branchflow}' }).BULLMQ_PREFIX).toBe('{branchflow}');
    expect(loadEnv({ BULLMQ_PREFIX: 'bf-{eu}-1' }).BULLMQ_PREFIX).toBe('bf-{eu}-1');
    // A cluster gives each queue a tag of its own: the default prefix will do
    const cluster = loadEnv({
      REDIS_CLUSTER_NODES: 'redis://:secret@10.0.0.1:7000,redis://10.0.0.2:7000/',
    });
    expect([cluster.REDIS_CLUSTER_NODES, cluster.BULLMQ_PREFIX]).toEqual([
      'redis://:secret@10.0.0.1:7000,redis://10.0.0.2:7000/',
      'branchflow',
    ]);
    expect(
      loadEnv({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000', BULLMQ_PREFIX: 'bf-eu_1' })
        .BULLMQ_PREFIX,
    ).toBe('bf-eu_1');
    // and refuses a tag in the prefix, which would pin every queue to one slot again
    const onCluster = (prefix: string) => () =>
      loadEnv({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7000', BULLMQ_PREFIX: prefix });
    expect(onCluster('{branchflow}')).toThrow(
      /BULLMQ_PREFIX="\{branchflow\}": BULLMQ_PREFIX must not hold a hash tag on a Redis Cluster/,
    );
    expect(onCluster('bf-{eu}-1')).toThrow(
      /BULLMQ_PREFIX="bf-\{eu\}-1": .*must not hold a hash tag/,
    );
    for (const prefix of ['{a}{b}', 'a:b', '{}', 'a}']) {
      expect(() => loadEnv({ BULLMQ_PREFIX: prefix })).toThrow(
        /BULLMQ_PREFIX may hold letters, digits, - and _ only, and at most one hash tag/,
      );
    }
    for (const nodes of ['10.0.0.1:7000', 'redis://10.0.0.1:7000/1', 'redis://a:1, redis://b:2']) {
      expect(() => loadEnv({ REDIS_CLUSTER_NODES: nodes, BULLMQ_PREFIX: 'bf' })).toThrow(
        /REDIS_CLUSTER_NODES must be redis:\/\/ URLs of cluster nodes/,
      );
    }
  });
});
