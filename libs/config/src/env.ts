import { availableParallelism } from 'node:os';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  validateSync,
} from 'class-validator';

/**
 * Every environment variable the processes read, validated once at boot. Nothing else reads
 * process.env. Defaults suit a developer machine with PostgreSQL and Redis on localhost.
 */
export class Env {
  /** postgres://user[:password]@host:port/database */
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/branchflow';

  /**
   * PostgreSQL connections each api or worker process keeps at most. A step holds one
   * connection and never waits for a second, so even 1 cannot deadlock; more let more steps
   * run at once. By default the machine's cores plus one (3 on two cores): on one machine
   * PostgreSQL's work is CPU-bound, and steps beyond the cores only contend for them (on two
   * cores, 20 connections gave a p99 a quarter higher and maxima three times as long as 2–4,
   * at the same throughput; bench/README.md). Where PostgreSQL has more cores of its own,
   * raise it.
   */
  @IsInt({ message: 'DATABASE_POOL_SIZE must be a whole number' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be between 1 and 1000' })
  @Max(1000, { message: 'DATABASE_POOL_SIZE must be between 1 and 1000' })
  DATABASE_POOL_SIZE = availableParallelism() + 1;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Seed nodes of a Redis Cluster, comma-separated redis:// (or rediss://) URLs without a
   * database index, e.g. `redis://10.0.0.1:7000,redis://10.0.0.2:7000`; the first one's user,
   * password and TLS apply to every node. Empty (the default): no cluster, REDIS_URL is used.
   * When set, REDIS_URL is not, each queue gets a hash tag of its own, and BULLMQ_PREFIX must
   * hold none (docs/scale.md).
   */
  @Matches(/^(rediss?:\/\/[^\s,/]+\/?(,rediss?:\/\/[^\s,/]+\/?)*)?$/, {
    message:
      'REDIS_CLUSTER_NODES must be redis:// URLs of cluster nodes (no database index), comma-separated',
  })
  REDIS_CLUSTER_NODES = '';

  @IsInt({ message: 'PORT must be a whole number' })
  @Min(1, { message: 'PORT must be between 1 and 65535' })
  @Max(65535, { message: 'PORT must be between 1 and 65535' })
  PORT = 3000;

  /** IANA zone for calendar arithmetic and FEEL now(). */
  @IsString()
  @Matches(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/, {
    message: 'TIME_ZONE must be an IANA zone such as Asia/Shanghai',
  })
  TIME_ZONE = 'Asia/Shanghai';

  /**
   * BullMQ key prefix (one per deployment; tests use one per suite). On one Redis it may hold one
   * hash tag, e.g. `{branchflow}` (a cluster once required it: deployments keep their keys). On a
   * Redis Cluster it must hold none: each queue's keys get a hash tag of the prefix and the queue
   * (`queueLocation` in @app/queue), so that the queues spread over the masters, and a tag in the
   * prefix would put them all in one slot again.
   */
  @Matches(/^(?=.)[a-z0-9_-]*(\{[a-z0-9_-]+\})?[a-z0-9_-]*$/i, {
    message:
      'BULLMQ_PREFIX may hold letters, digits, - and _ only, and at most one hash tag in braces such as {branchflow}',
  })
  @ValidateBy(
    {
      name: 'noHashTagOnCluster',
      validator: {
        validate: (value: unknown, args) =>
          (args?.object as Env).REDIS_CLUSTER_NODES === '' || !/[{}]/.test(String(value)),
      },
    },
    {
      message:
        'BULLMQ_PREFIX must not hold a hash tag on a Redis Cluster (REDIS_CLUSTER_NODES is set): each queue gets one of its own (docs/scale.md: moving from a prefix such as {branchflow})',
    },
  )
  BULLMQ_PREFIX = 'branchflow';

  /** Default reminder offsets before a task's due date, comma-separated ISO durations. */
  @Matches(/^(P[0-9A-Z.]+)(,P[0-9A-Z.]+)*$/, {
    message: 'REMINDER_OFFSETS must be ISO durations separated by commas, e.g. P3D,P1D,PT0S',
  })
  REMINDER_OFFSETS = 'P3D,P1D,PT0S';

  /** Folder of BPMN templates deployed at start-up. */
  @IsString()
  TEMPLATES_DIR = 'process-templates';

  /**
   * Folder of the built web app the api serves at `/` (`npm run build:web` writes it); when it
   * holds no index.html, `/` answers a page saying how to build it.
   */
  @IsString()
  WEB_DIST_DIR = 'apps/web/dist';

  /** How often the reconciler sweeps PostgreSQL for due timers and undelivered outbox rows. */
  @IsInt({ message: 'RECONCILE_INTERVAL_MS must be a whole number' })
  @Min(100, { message: 'RECONCILE_INTERVAL_MS must be at least 100' })
  RECONCILE_INTERVAL_MS = 5000;

  /** How often overdue tasks are escalated. */
  @IsInt({ message: 'ESCALATION_INTERVAL_MS must be a whole number' })
  @Min(1000, { message: 'ESCALATION_INTERVAL_MS must be at least 1000' })
  ESCALATION_INTERVAL_MS = 60_000;

  /**
   * How often the worker brings the roll-up counters up to date (the ledger items changed since
   * the last refresh; a roll-up read does the same first, so this only keeps the reads' share
   * small).
   */
  @IsInt({ message: 'LEDGER_ROLLUP_INTERVAL_MS must be a whole number' })
  @Min(1000, { message: 'LEDGER_ROLLUP_INTERVAL_MS must be at least 1000' })
  LEDGER_ROLLUP_INTERVAL_MS = 5000;

  /** Concurrency of each BullMQ worker. */
  @IsInt({ message: 'WORKER_CONCURRENCY must be a whole number' })
  @Min(1, { message: 'WORKER_CONCURRENCY must be at least 1' })
  WORKER_CONCURRENCY = 8;

  /**
   * Instances each api or worker process keeps in memory so that the next completion of one of
   * their tasks takes one round trip to PostgreSQL (checked against the locked rows; 0: none).
   */
  @IsInt({ message: 'STEP_CACHE_SIZE must be a whole number' })
  @Min(0, { message: 'STEP_CACHE_SIZE must be 0 or more' })
  @Max(1_000_000, { message: 'STEP_CACHE_SIZE must be at most 1000000' })
  STEP_CACHE_SIZE = 10_000;

  /** Largest evidence file a ledger item accepts, in bytes (default 10 MiB). */
  @IsInt({ message: 'LEDGER_ATTACHMENT_MAX_BYTES must be a whole number' })
  @Min(1, { message: 'LEDGER_ATTACHMENT_MAX_BYTES must be at least 1' })
  @Max(1024 * 1024 * 1024, { message: 'LEDGER_ATTACHMENT_MAX_BYTES must be at most 1 GiB' })
  LEDGER_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

  /** A ledger item is yellow when it falls due within this many days (亮灯). */
  @IsInt({ message: 'LEDGER_YELLOW_DAYS must be a whole number' })
  @Min(0, { message: 'LEDGER_YELLOW_DAYS must be 0 or more' })
  LEDGER_YELLOW_DAYS = 3;

  /**
   * A ledger item opened after its due time, or less than this many days before it, counts as
   * due this many days (× 24 h) after it was opened: it is not overdue, red or escalated (督办)
   * before it has had that time.
   */
  @IsInt({ message: 'LEDGER_GRACE_DAYS must be a whole number' })
  @Min(0, { message: 'LEDGER_GRACE_DAYS must be 0 or more' })
  @Max(365, { message: 'LEDGER_GRACE_DAYS must be at most 365' })
  LEDGER_GRACE_DAYS = 3;

  /** Branches one bulk start (`POST /api/instances/bulk`) may go to at most. */
  @IsInt({ message: 'BULK_START_MAX must be a whole number' })
  @Min(1, { message: 'BULK_START_MAX must be at least 1' })
  @Max(1_000_000, { message: 'BULK_START_MAX must be at most 1000000' })
  BULK_START_MAX = 20_000;

  /** Items one bulk 销号 (`POST /api/ledger/items/verify`) closes at most. */
  @IsInt({ message: 'LEDGER_BULK_VERIFY_MAX must be a whole number' })
  @Min(1, { message: 'LEDGER_BULK_VERIFY_MAX must be at least 1' })
  @Max(10_000, { message: 'LEDGER_BULK_VERIFY_MAX must be at most 10000' })
  LEDGER_BULK_VERIFY_MAX = 200;

  /**
   * Options a task's member picker (`valuesKey: "members:<status>"`) is served with at most;
   * a unit with more serves none and names the member lookup (`GET /api/members`) instead.
   */
  @IsInt({ message: 'FORM_MEMBER_OPTIONS_MAX must be a whole number' })
  @Min(1, { message: 'FORM_MEMBER_OPTIONS_MAX must be at least 1' })
  @Max(5_000, { message: 'FORM_MEMBER_OPTIONS_MAX must be at most 5000' })
  FORM_MEMBER_OPTIONS_MAX = 500;

  /** Largest roster file `POST /api/org/import` and `cli import` read, in bytes (5 MiB). */
  @IsInt({ message: 'IMPORT_MAX_BYTES must be a whole number' })
  @Min(1, { message: 'IMPORT_MAX_BYTES must be at least 1' })
  @Max(100 * 1024 * 1024, { message: 'IMPORT_MAX_BYTES must be at most 100 MiB' })
  IMPORT_MAX_BYTES = 5 * 1024 * 1024;

  /** Most data rows of a roster (the header not counted). */
  @IsInt({ message: 'IMPORT_MAX_ROWS must be a whole number' })
  @Min(1, { message: 'IMPORT_MAX_ROWS must be at least 1' })
  @Max(200_000, { message: 'IMPORT_MAX_ROWS must be at most 200000' })
  IMPORT_MAX_ROWS = 20_000;

  /** An overdue ledger item is escalated (督办) one level further up at most this often. */
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, {
    message: 'LEDGER_ESCALATION_EVERY must be an ISO-8601 duration such as P1D or PT12H',
  })
  LEDGER_ESCALATION_EVERY = 'P1D';

  /**
   * How often the worker takes an audit checkpoint (docs/audit.md): the digest over every
   * stream's head, written as an event of the system stream; once per period however many
   * workers run. Weeks, days, hours, minutes, seconds (fixed lengths).
   */
  @Matches(/^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, {
    message:
      'AUDIT_CHECKPOINT_EVERY must be an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. PT1H',
  })
  AUDIT_CHECKPOINT_EVERY = 'PT1H';

  /**
   * A file each checkpoint is appended to as one JSON line (empty: none). Keep it off the
   * database's machine (a mounted share) or collect it from there.
   */
  @IsString()
  AUDIT_CHECKPOINT_FILE = '';

  /** A URL each checkpoint is POSTed to as JSON (empty: none). */
  @Matches(/^(https?:\/\/\S+)?$/, {
    message: 'AUDIT_CHECKPOINT_WEBHOOK must be an http:// or https:// URL',
  })
  AUDIT_CHECKPOINT_WEBHOOK = '';

  /**
   * How long the checkpoint webhook may take to answer (redirects are not followed and at most
   * a few hundred bytes of an answer are read); past it the export fails (docs/audit.md).
   */
  @IsInt({ message: 'AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS must be a whole number' })
  @Min(100, { message: 'AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS must be between 100 and 60000' })
  @Max(60_000, { message: 'AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS must be between 100 and 60000' })
  AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS = 10_000;

  /**
   * Hosts a notification channel (group robot) may POST to, comma-separated: by default WeCom's
   * and DingTalk's robot hosts. A channel whose URL names another host is refused (422) and
   * never sent to; http:// is allowed only to a loopback host listed here (a local relay).
   */
  @Matches(/^[A-Za-z0-9.[\]:-]+(,[A-Za-z0-9.[\]:-]+)*$/, {
    message: 'CHANNEL_HOSTS must be a comma-separated list of host names',
  })
  CHANNEL_HOSTS = 'qyapi.weixin.qq.com,oapi.dingtalk.com';

  /** Notification channels one org unit may have (422 past it). */
  @IsInt({ message: 'CHANNELS_PER_UNIT must be a whole number' })
  @Min(1, { message: 'CHANNELS_PER_UNIT must be between 1 and 1000' })
  @Max(1000, { message: 'CHANNELS_PER_UNIT must be between 1 and 1000' })
  CHANNELS_PER_UNIT = 20;

  /** How long a group robot may take to answer a notice or a test-send before it failed. */
  @IsInt({ message: 'CHANNEL_TIMEOUT_MS must be a whole number' })
  @Min(100, { message: 'CHANNEL_TIMEOUT_MS must be between 100 and 60000' })
  @Max(60_000, { message: 'CHANNEL_TIMEOUT_MS must be between 100 and 60000' })
  CHANNEL_TIMEOUT_MS = 10_000;

  /**
   * Service-task types (zeebe:taskDefinition type) that integrations' own handlers serve,
   * comma-separated, besides the built-in ones (BUILT_IN_SERVICE_TASK_TYPES of @app/bpmn) and
   * those a worker registers in its process. Deploy and lint refuse any other type.
   */
  @Matches(/^([A-Za-z0-9_.:-]{1,64}(,[A-Za-z0-9_.:-]{1,64})*)?$/, {
    message: 'SERVICE_TASK_TYPES must be a comma-separated list of service-task types',
  })
  SERVICE_TASK_TYPES = '';

  /**
   * `npm start` loads the sample organisation (with its well-known development tokens) into an
   * empty database unless this is `false` (set it wherever real people will use the database).
   */
  @IsIn(['true', 'false'], { message: 'SEED_SAMPLE_ON_START must be true or false' })
  SEED_SAMPLE_ON_START = 'true';

  /**
   * Failed authentications (401) one client address may make per minute before every request
   * from it is answered 429 for AUTH_LOCKOUT_SECONDS, before any database work. Counted in
   * Redis (shared by every api process), in the process while Redis is down.
   */
  @IsInt({ message: 'AUTH_FAILURES_PER_MINUTE must be a whole number' })
  @Min(1, { message: 'AUTH_FAILURES_PER_MINUTE must be between 1 and 100000' })
  @Max(100_000, { message: 'AUTH_FAILURES_PER_MINUTE must be between 1 and 100000' })
  AUTH_FAILURES_PER_MINUTE = 20;

  /** How long an address over AUTH_FAILURES_PER_MINUTE is answered 429 (Retry-After). */
  @IsInt({ message: 'AUTH_LOCKOUT_SECONDS must be a whole number' })
  @Min(1, { message: 'AUTH_LOCKOUT_SECONDS must be between 1 and 86400' })
  @Max(86_400, { message: 'AUTH_LOCKOUT_SECONDS must be between 1 and 86400' })
  AUTH_LOCKOUT_SECONDS = 300;

  /**
   * `production` makes the api refuse to start while a well-known development credential (the
   * sample organisation's tokens and passwords) is valid.
   */
  @IsIn(['development', 'test', 'production'], {
    message: 'NODE_ENV must be development, test or production',
  })
  NODE_ENV = 'development';

  /** A log-in session ends after this many minutes without a request. */
  @IsInt({ message: 'SESSION_IDLE_MINUTES must be a whole number' })
  @Min(1, { message: 'SESSION_IDLE_MINUTES must be between 1 and 10080' })
  @Max(10_080, { message: 'SESSION_IDLE_MINUTES must be between 1 and 10080' })
  SESSION_IDLE_MINUTES = 120;

  /** A log-in session ends this many hours after the log-in, however busy. */
  @IsInt({ message: 'SESSION_MAX_HOURS must be a whole number' })
  @Min(1, { message: 'SESSION_MAX_HOURS must be between 1 and 720' })
  @Max(720, { message: 'SESSION_MAX_HOURS must be between 1 and 720' })
  SESSION_MAX_HOURS = 12;

  /**
   * Whether the session cookie is marked `Secure`: `auto` when the request came over https
   * (the socket's TLS, or `X-Forwarded-Proto` from a proxy TRUST_PROXY trusts), `true`, `false`.
   */
  @IsIn(['auto', 'true', 'false'], { message: 'COOKIE_SECURE must be auto, true or false' })
  COOKIE_SECURE = 'auto';

  /** Failed log-ins in a row after which an account is locked for LOGIN_LOCKOUT_MINUTES. */
  @IsInt({ message: 'LOGIN_FAILURES_PER_ACCOUNT must be a whole number' })
  @Min(1, { message: 'LOGIN_FAILURES_PER_ACCOUNT must be between 1 and 1000' })
  @Max(1000, { message: 'LOGIN_FAILURES_PER_ACCOUNT must be between 1 and 1000' })
  LOGIN_FAILURES_PER_ACCOUNT = 5;

  /** How long an account is locked after LOGIN_FAILURES_PER_ACCOUNT failed log-ins. */
  @IsInt({ message: 'LOGIN_LOCKOUT_MINUTES must be a whole number' })
  @Min(1, { message: 'LOGIN_LOCKOUT_MINUTES must be between 1 and 1440' })
  @Max(1440, { message: 'LOGIN_LOCKOUT_MINUTES must be between 1 and 1440' })
  LOGIN_LOCKOUT_MINUTES = 15;

  /** Longest life of a machine token issued through the api, in days. */
  @IsInt({ message: 'TOKEN_MAX_DAYS must be a whole number' })
  @Min(1, { message: 'TOKEN_MAX_DAYS must be between 1 and 3650' })
  @Max(3650, { message: 'TOKEN_MAX_DAYS must be between 1 and 3650' })
  TOKEN_MAX_DAYS = 365;

  /**
   * Whether the api sits behind a proxy whose `X-Forwarded-For` names the client (what the
   * throttle and the refusal records take as the address): `false` (the socket's address),
   * `true` (trust every hop: only behind a proxy that overwrites the header), a number of hops,
   * or the proxies' addresses / CIDRs, comma-separated.
   */
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count or comma-separated addresses / CIDRs',
  })
  TRUST_PROXY = 'false';

  /**
   * Repeated refusals (401 / 403 / 429) from one source (address, actor, status, route) are
   * written as one `access.refused` event at once and then one summary with a count per this
   * many seconds.
   */
  @IsInt({ message: 'REFUSAL_FLUSH_SECONDS must be a whole number' })
  @Min(1, { message: 'REFUSAL_FLUSH_SECONDS must be between 1 and 3600' })
  @Max(3600, { message: 'REFUSAL_FLUSH_SECONDS must be between 1 and 3600' })
  REFUSAL_FLUSH_SECONDS = 60;

  /** Deepest nesting of arrays and objects a JSON body may have (400 naming the path beyond). */
  @IsInt({ message: 'JSON_MAX_DEPTH must be a whole number' })
  @Min(2, { message: 'JSON_MAX_DEPTH must be between 2 and 1000' })
  @Max(1000, { message: 'JSON_MAX_DEPTH must be between 2 and 1000' })
  JSON_MAX_DEPTH = 64;

  /** Flow elements a deployed or linted template may hold (all its processes together). */
  @IsInt({ message: 'TEMPLATE_MAX_ELEMENTS must be a whole number' })
  @Min(10, { message: 'TEMPLATE_MAX_ELEMENTS must be between 10 and 1000000' })
  @Max(1_000_000, { message: 'TEMPLATE_MAX_ELEMENTS must be between 10 and 1000000' })
  TEMPLATE_MAX_ELEMENTS = 10_000;

  /** Bytes of one form (form-js JSON) a deployed or linted template names. */
  @IsInt({ message: 'FORM_MAX_BYTES must be a whole number' })
  @Min(1024, { message: 'FORM_MAX_BYTES must be between 1024 and 1048576' })
  @Max(1_048_576, { message: 'FORM_MAX_BYTES must be between 1024 and 1048576' })
  FORM_MAX_BYTES = 262_144;

  /** Components (nested ones included) of one form a deployed template names. */
  @IsInt({ message: 'FORM_MAX_COMPONENTS must be a whole number' })
  @Min(1, { message: 'FORM_MAX_COMPONENTS must be between 1 and 100000' })
  @Max(100_000, { message: 'FORM_MAX_COMPONENTS must be between 1 and 100000' })
  FORM_MAX_COMPONENTS = 500;

  /** How deep a template's sub-processes may nest. */
  @IsInt({ message: 'TEMPLATE_MAX_DEPTH must be a whole number' })
  @Min(1, { message: 'TEMPLATE_MAX_DEPTH must be between 1 and 1000' })
  @Max(1000, { message: 'TEMPLATE_MAX_DEPTH must be between 1 and 1000' })
  TEMPLATE_MAX_DEPTH = 32;

  /** How deep call activities may nest called processes before the next call is an incident. */
  @IsInt({ message: 'CALL_ACTIVITY_MAX_DEPTH must be a whole number' })
  @Min(1, { message: 'CALL_ACTIVITY_MAX_DEPTH must be between 1 and 1000' })
  @Max(1000, { message: 'CALL_ACTIVITY_MAX_DEPTH must be between 1 and 1000' })
  CALL_ACTIVITY_MAX_DEPTH = 10;

  /** Elements one step of an instance may activate before the next one is an incident. */
  @IsInt({ message: 'STEP_MAX_ACTIVATIONS must be a whole number' })
  @Min(10, { message: 'STEP_MAX_ACTIVATIONS must be between 10 and 10000000' })
  @Max(10_000_000, { message: 'STEP_MAX_ACTIVATIONS must be between 10 and 10000000' })
  STEP_MAX_ACTIVATIONS = 10_000;

  /** Wall time one FEEL expression that iterates or recurses may run before it is an incident. */
  @IsInt({ message: 'FEEL_TIME_BUDGET_MS must be a whole number' })
  @Min(1, { message: 'FEEL_TIME_BUDGET_MS must be between 1 and 10000' })
  @Max(10_000, { message: 'FEEL_TIME_BUDGET_MS must be between 1 and 10000' })
  FEEL_TIME_BUDGET_MS = 250;

  /** Wall time all such expressions of one step of an instance may run together. */
  @IsInt({ message: 'FEEL_STEP_BUDGET_MS must be a whole number' })
  @Min(1, { message: 'FEEL_STEP_BUDGET_MS must be between 1 and 60000' })
  @Max(60_000, { message: 'FEEL_STEP_BUDGET_MS must be between 1 and 60000' })
  FEEL_STEP_BUDGET_MS = 1_000;

  /** List items in one FEEL result (all its lists together); iterations of literal ranges. */
  @IsInt({ message: 'FEEL_MAX_LIST must be a whole number' })
  @Min(1, { message: 'FEEL_MAX_LIST must be between 1 and 10000000' })
  @Max(10_000_000, { message: 'FEEL_MAX_LIST must be between 1 and 10000000' })
  FEEL_MAX_LIST = 10_000;

  /** Characters of text in one FEEL result (all its strings and keys together). */
  @IsInt({ message: 'FEEL_MAX_STRING must be a whole number' })
  @Min(1, { message: 'FEEL_MAX_STRING must be between 1 and 100000000' })
  @Max(100_000_000, { message: 'FEEL_MAX_STRING must be between 1 and 100000000' })
  FEEL_MAX_STRING = 1_000_000;

  /** Characters of one FEEL expression in a template. */
  @IsInt({ message: 'FEEL_MAX_EXPRESSION_LENGTH must be a whole number' })
  @Min(10, { message: 'FEEL_MAX_EXPRESSION_LENGTH must be between 10 and 1000000' })
  @Max(1_000_000, { message: 'FEEL_MAX_EXPRESSION_LENGTH must be between 10 and 1000000' })
  FEEL_MAX_EXPRESSION_LENGTH = 4096;

  /** Shortest period of a timer cycle (ISO-8601 duration). */
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$/, {
    message: 'TIMER_MIN_INTERVAL must be an ISO-8601 duration such as PT1M',
  })
  TIMER_MIN_INTERVAL = 'PT1M';

  /** Largest repetition count of a timer cycle (R<n>/...). */
  @IsInt({ message: 'TIMER_MAX_REPETITIONS must be a whole number' })
  @Min(1, { message: 'TIMER_MAX_REPETITIONS must be between 1 and 1000000' })
  @Max(1_000_000, { message: 'TIMER_MAX_REPETITIONS must be between 1 and 1000000' })
  TIMER_MAX_REPETITIONS = 1000;

  /**
   * Shortest period of a timer cycle with neither count nor end on an activity that may wait
   * for ever (a non-interrupting boundary timer with no interrupting timer around it).
   */
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$/, {
    message: 'TIMER_MIN_OPEN_INTERVAL must be an ISO-8601 duration such as P1D',
  })
  TIMER_MIN_OPEN_INTERVAL = 'P1D';

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose',
  })
  LOG_LEVEL = 'log';

  /** The FEEL limits (FeelLimits of @app/feel); result depth is JSON_MAX_DEPTH. */
  get feelLimits() {
    return {
      maxExpressionLength: this.FEEL_MAX_EXPRESSION_LENGTH,
      timeBudgetMs: this.FEEL_TIME_BUDGET_MS,
      stepBudgetMs: this.FEEL_STEP_BUDGET_MS,
      maxListItems: this.FEEL_MAX_LIST,
      maxTextLength: this.FEEL_MAX_STRING,
      maxDepth: this.JSON_MAX_DEPTH,
    };
  }

  /** The timer cycle limits (TimerLimits of @app/time). */
  get timerLimits() {
    return {
      minInterval: this.TIMER_MIN_INTERVAL,
      maxRepetitions: this.TIMER_MAX_REPETITIONS,
      minOpenInterval: this.TIMER_MIN_OPEN_INTERVAL,
    };
  }

  get channelHosts(): string[] {
    return this.CHANNEL_HOSTS.split(',');
  }

  get serviceTaskTypes(): string[] {
    return this.SERVICE_TASK_TYPES === '' ? [] : this.SERVICE_TASK_TYPES.split(',');
  }

  get reminderOffsets(): string[] {
    return this.REMINDER_OFFSETS.split(',');
  }

  /** TRUST_PROXY as Fastify's `trustProxy` option. */
  get trustProxy(): boolean | number | string[] {
    if (this.TRUST_PROXY === 'true') return true;
    if (this.TRUST_PROXY === 'false') return false;
    if (/^\d+$/.test(this.TRUST_PROXY)) return Number(this.TRUST_PROXY);
    return this.TRUST_PROXY.split(',');
  }
}

export class EnvException extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'EnvException';
  }
}

const NUMERIC: readonly (keyof Env)[] = [
  'DATABASE_POOL_SIZE',
  'PORT',
  'RECONCILE_INTERVAL_MS',
  'ESCALATION_INTERVAL_MS',
  'LEDGER_ROLLUP_INTERVAL_MS',
  'AUDIT_CHECKPOINT_WEBHOOK_TIMEOUT_MS',
  'WORKER_CONCURRENCY',
  'STEP_CACHE_SIZE',
  'LEDGER_ATTACHMENT_MAX_BYTES',
  'LEDGER_YELLOW_DAYS',
  'LEDGER_GRACE_DAYS',
  'LEDGER_BULK_VERIFY_MAX',
  'BULK_START_MAX',
  'FORM_MEMBER_OPTIONS_MAX',
  'IMPORT_MAX_BYTES',
  'IMPORT_MAX_ROWS',
  'AUTH_FAILURES_PER_MINUTE',
  'AUTH_LOCKOUT_SECONDS',
  'SESSION_IDLE_MINUTES',
  'SESSION_MAX_HOURS',
  'LOGIN_FAILURES_PER_ACCOUNT',
  'LOGIN_LOCKOUT_MINUTES',
  'TOKEN_MAX_DAYS',
  'REFUSAL_FLUSH_SECONDS',
  'JSON_MAX_DEPTH',
  'TEMPLATE_MAX_ELEMENTS',
  'TEMPLATE_MAX_DEPTH',
  'FORM_MAX_BYTES',
  'FORM_MAX_COMPONENTS',
  'CALL_ACTIVITY_MAX_DEPTH',
  'STEP_MAX_ACTIVATIONS',
  'FEEL_TIME_BUDGET_MS',
  'FEEL_STEP_BUDGET_MS',
  'FEEL_MAX_LIST',
  'FEEL_MAX_STRING',
  'FEEL_MAX_EXPRESSION_LENGTH',
  'TIMER_MAX_REPETITIONS',
  'CHANNELS_PER_UNIT',
  'CHANNEL_TIMEOUT_MS',
];

/** Validates the given variables (default: process.env); throws naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const defaults = new Env();
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof Env)[]) {
    const value = source[key];
    if (value === undefined || value === '') continue;
    raw[key] = NUMERIC.includes(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const env = plainToInstance(Env, { ...defaults, ...raw });
  const errors = validateSync(env, { whitelist: false });
  if (errors.length > 0) {
    throw new EnvException(
      errors.map((error) => {
        const value = raw[error.property];
        // Decorators apply bottom-up: the last constraint is the first one written (the basic type check).
        const message = Object.values(error.constraints ?? {}).at(-1) ?? 'is invalid';
        return `${error.property}=${JSON.stringify(value)}: ${message}`;
      }),
    );
  }
  return env;
}
