// The database schema (drizzle pg-core): one definition for PGlite and PostgreSQL; drizzle-kit generates drizzle/ from it.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Sizes and sequence numbers as JS numbers: exact up to 2^53 (8 PiB), which no file reaches. */
const bigNumber = (name: string) => bigint(name, { mode: 'number' });
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
/** A CHECK condition `column in (…)` over constant values (ours, never user input). */
const inList = (column: string, values: readonly string[], orNull = false) =>
  sql.raw(`${orNull ? `${column} is null or ` : ''}${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

/** The text of a uuid column's value: look a row up by an id from outside only when it is one (PostgreSQL refuses other text for a uuid). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const SUBMISSION_STATUSES = ['received', 'checking', 'accepted', 'rejected', 'archived', 'failed'] as const;
export const SUBMISSION_SOURCES = ['online', 'offline', 'import', 'receipt'] as const;
export const CHECK_STAGES = ['archiving', 'transfer', 'preservation'] as const;
export const VERDICTS = ['accepted', 'rejected'] as const;
export const FILE_ROLES = ['主文档', '附属文档'] as const;
export const ACCESS_FLAGS = ['开放', '控制'] as const;
export const COPY_STATUSES = ['ok', 'missing', 'corrupt', 'repaired'] as const;
export const AUDIT_RESULTS = ['ok', 'missing', 'corrupt', 'error'] as const;
export const USER_ROLES = ['receiver', 'auditor', 'admin'] as const;
/** What a bearer token may do: push packages (submitter), read the event log and run audits (auditor), or both (admin). */
export const TOKEN_ROLES = ['submitter', 'auditor', 'admin'] as const;

export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
export type SubmissionSource = (typeof SUBMISSION_SOURCES)[number];
export type CopyStatus = (typeof COPY_STATUSES)[number];
export type UserRole = (typeof USER_ROLES)[number];
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** Credentials of submitting systems; the token itself is never stored, only its SHA-256. */
export const tokens = pgTable(
  'tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    system: text('system').notNull(),
    /** The fonds (全宗号) this token may submit to and read. */
    fonds: text('fonds').array().notNull(),
    /** What the token may do (TOKEN_ROLES); tokens made before roles existed are submitters. */
    role: text('role', { enum: TOKEN_ROLES }).notNull().default('submitter'),
    tokenSha256: text('token_sha256').notNull().unique(),
    callbackUrl: text('callback_url'),
    /** HMAC-SHA256 key for X-Dangan-Signature on callbacks (shown once at creation; needed to sign, so not hashed). */
    callbackSecret: text('callback_secret'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('tokens_role_check', inList(t.role.name, TOKEN_ROLES))],
);

/** Archive staff who log in to the UI. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [check('users_role_check', inList(t.role.name, USER_ROLES))],
);

/** One package handed in (online upload, offline carrier, batch import, or a received transfer). */
export const submissions = pgTable(
  'submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status', { enum: SUBMISSION_STATUSES }).notNull().default('received'),
    source: text('source', { enum: SUBMISSION_SOURCES }).notNull(),
    /** Who handed it in, as one comparable string: `token:<token id>`, `user:<user name>` or `system`. */
    submitter: text('submitter').notNull(),
    tokenId: uuid('token_id').references(() => tokens.id),
    userId: uuid('user_id').references(() => users.id),
    /** 全宗号 from 说明文件 (known once read). */
    fonds: text('fonds'),
    idempotencyKey: text('idempotency_key'),
    /** Where the uploaded package waits in the object store until it is checked. */
    stagingKey: text('staging_key'),
    packageName: text('package_name'),
    packageSize: bigNumber('package_size'),
    packageSha256: text('package_sha256'),
    packageSm3: text('package_sm3'),
    profile: text('profile'),
    stage: text('stage', { enum: CHECK_STAGES }).notNull().default('archiving'),
    /** The four-property check report (JSON, as checks.md defines it). */
    report: jsonb('report'),
    verdict: text('verdict', { enum: VERDICTS }),
    /** Why processing failed (status `failed`): the service could not run, not a rejected package. */
    failureReason: text('failure_reason'),
    attempts: integer('attempts').notNull().default(0),
    callbackUrl: text('callback_url'),
    callbackDeliveredAt: timestamp('callback_delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    check('submissions_status_check', inList(t.status.name, SUBMISSION_STATUSES)),
    check('submissions_source_check', inList(t.source.name, SUBMISSION_SOURCES)),
    check('submissions_stage_check', inList(t.stage.name, CHECK_STAGES)),
    check('submissions_verdict_check', inList(t.verdict.name, VERDICTS, true)),
    uniqueIndex('submissions_idempotency_idx')
      .on(t.submitter, t.idempotencyKey, t.packageSha256)
      .where(sql`idempotency_key is not null`),
    index('submissions_status_created_idx').on(t.status, t.createdAt),
    index('submissions_fonds_created_idx').on(t.fonds, t.createdAt),
  ],
);

/** 案卷: a volume of records of one matter. */
export const volumes = pgTable(
  'volumes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    submissionId: uuid('submission_id').references(() => submissions.id),
    /** 案卷档号, e.g. J001-001-0012. */
    archivalCode: text('archival_code').notNull().unique(),
    fonds: text('fonds').notNull(),
    /** 目录号 */
    catalogueNumber: text('catalogue_number').notNull(),
    /** 案卷号 */
    volumeNumber: text('volume_number').notNull(),
    title: text('title').notNull(),
    /** 立档单位名称 */
    unit: text('unit'),
    retention: text('retention'),
    /** 起止日期, YYYYMMDD each. */
    startDate: text('start_date'),
    endDate: text('end_date'),
    itemCount: integer('item_count'),
    pageCount: integer('page_count'),
    /** The parsed 案卷元数据.xml. */
    metadata: jsonb('metadata').notNull(),
    /** Object key of the stored 案卷元数据.xml. */
    metadataKey: text('metadata_key'),
    createdAt: createdAt(),
  },
  (t) => [index('volumes_fonds_idx').on(t.fonds, t.catalogueNumber, t.volumeNumber)],
);

/** 件: one archived record. */
export const records = pgTable(
  'records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    submissionId: uuid('submission_id').references(() => submissions.id),
    /** 档号 */
    archivalCode: text('archival_code').notNull(),
    /** 电子文件号 */
    electronicFileNumber: text('electronic_file_number'),
    /** 全宗号 */
    fonds: text('fonds').notNull(),
    /** 门类代码 (absent for records in volume form) */
    categoryCode: text('category_code'),
    /** 年度 (from the 档号, or from 日期 for records in volume form) */
    year: integer('year').notNull(),
    /** 保管期限: Y, D30, D10 */
    retention: text('retention'),
    /** 机构或问题 */
    organization: text('organization'),
    /** 件号, zero-padded text as written (e.g. '0001'); for a record in a volume its 卷内顺序号. */
    itemNumber: text('item_number'),
    /** 档号 of the volume (案卷) holding this record, if any. */
    volumeCode: text('volume_code').references(() => volumes.archivalCode),
    /** 页号 in the volume, e.g. '15/17'. */
    volumePages: text('volume_pages'),
    /** 题名 */
    title: text('title').notNull(),
    /** 责任者 */
    responsible: text('responsible'),
    /** 文件编号 */
    documentNumber: text('document_number'),
    /** 日期, YYYYMMDD */
    date: text('date'),
    /** 密级 */
    classification: text('classification'),
    /** 页数 */
    pages: integer('pages'),
    /** The parsed 元数据.xml. */
    metadata: jsonb('metadata').notNull(),
    /** Object key of the stored 元数据.xml. */
    metadataKey: text('metadata_key'),
    /** 控制标识: 开放 or 控制 (开放利用意见). */
    access: text('access', { enum: ACCESS_FLAGS }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('records_archival_code_idx').on(t.archivalCode),
    // Lists in catalogue order (全宗号, 档号): by fonds and year, and by fonds alone or across fonds;
    // with 题名, so that a search reads the index alone, in order (src/ingest/records.ts).
    index('records_fonds_year_code_title_idx').on(t.fonds, t.year, t.archivalCode, t.title),
    index('records_fonds_code_title_idx').on(t.fonds, t.archivalCode, t.title),
    // Title search (q=) for rarer words: GIN over the title's character bigrams (drizzle/0009), for
    // search strings of 2+ characters; and 档号 by prefix, case-insensitively.
    index('records_title_bigram_idx').using('gin', sql`dangan_bigrams(${t.title})`),
    index('records_code_prefix_idx').using('btree', sql`upper(${t.archivalCode}) text_pattern_ops`),
    // The highest 件号 of a group (全宗号, 门类代码, 年度, 保管期限, 机构或问题), for continuity checks.
    index('records_item_group_idx').on(
      t.fonds,
      t.categoryCode,
      t.year,
      t.retention,
      t.organization,
      t.itemNumber,
    ),
    index('records_submission_idx').on(t.submissionId),
    index('records_volume_idx').on(t.volumeCode),
    check('records_access_check', inList(t.access.name, ACCESS_FLAGS, true)),
  ],
);

/** A content file (电子文件) of a record. */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordId: uuid('record_id')
      .notNull()
      .references(() => records.id),
    /** 文档序号 */
    sequence: integer('sequence').notNull(),
    /** 计算机文件名 */
    name: text('name').notNull(),
    size: bigNumber('size').notNull(),
    /** 格式信息 as detected/declared, e.g. 'PDF/A-2b'. */
    format: text('format'),
    sha256: text('sha256').notNull(),
    sm3: text('sm3').notNull(),
    /** 文档主从声明 */
    role: text('role', { enum: FILE_ROLES }).notNull(),
    /** Object key of the file in the stores (the same key in every store). */
    objectKey: text('object_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('files_record_sequence_idx').on(t.recordId, t.sequence),
    index('files_sha256_idx').on(t.sha256),
    index('files_sm3_idx').on(t.sm3),
    index('files_object_key_idx').on(t.objectKey),
    check('files_role_check', inList(t.role.name, FILE_ROLES)),
  ],
);

/** A stored copy of an object in one store; audits update it. */
export const copies = pgTable(
  'copies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The content file this is a copy of; null for other objects (metadata XML, transfer packages). */
    fileId: uuid('file_id').references(() => files.id),
    objectKey: text('object_key').notNull(),
    /** The store's configured name (primary or a backup store). */
    store: text('store').notNull(),
    status: text('status', { enum: COPY_STATUSES }).notNull().default('ok'),
    /** Expected size and digests (for objects that are not in `files`; equal to the file's otherwise). */
    size: bigNumber('size'),
    sha256: text('sha256'),
    sm3: text('sm3'),
    /** When the copy was written and read back. */
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    lastAuditedAt: timestamp('last_audited_at', { withTimezone: true }),
    lastAuditResult: text('last_audit_result', { enum: AUDIT_RESULTS }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('copies_store_key_idx').on(t.store, t.objectKey),
    // Oldest-audited first (never-audited copies first of all).
    index('copies_store_audited_idx').on(t.store, t.lastAuditedAt.asc().nullsFirst()),
    index('copies_object_key_idx').on(t.objectKey),
    index('copies_file_idx').on(t.fileId),
    check('copies_status_check', inList(t.status.name, COPY_STATUSES)),
    check('copies_audit_result_check', inList(t.lastAuditResult.name, AUDIT_RESULTS, true)),
  ],
);

/**
 * The tamper-evident event log: append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and
 * hash-chained (see src/events/chain.ts for what is hashed). `seq` orders the chain; it may have
 * gaps (rolled-back appends), the chain links do not.
 */
export const events = pgTable(
  'events',
  {
    seq: bigNumber('seq').primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    type: text('type').notNull(),
    actor: text('actor').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    payload: jsonb('payload').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('events_hash_idx').on(t.hash),
    index('events_type_seq_idx').on(t.type, t.seq),
    index('events_subject_idx').on(t.subjectType, t.subjectId, t.seq),
  ],
);

/**
 * The head of the event chain: one row (id 1) updated by every append, under its row lock, so that
 * appends are serialised; it also lets verification notice rows cut off the end of the chain.
 */
export const eventChainHead = pgTable(
  'event_chain_head',
  {
    id: smallint('id').primaryKey().default(1),
    lastSeq: bigNumber('last_seq').notNull().default(0),
    count: bigNumber('count').notNull().default(0),
    hash: text('hash').notNull(),
  },
  (t) => [check('event_chain_head_single_row', sql`${t.id} = 1`)],
);

export const TRANSFER_STATUSES = ['pending', 'building', 'stored', 'failed'] as const;
export const AUDIT_STATUSES = ['running', 'done', 'failed'] as const;

/** 移交: a transfer package built from archived records and stored with its backups. */
export const transfers = pgTable(
  'transfers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status', { enum: TRANSFER_STATUSES }).notNull().default('building'),
    fonds: text('fonds').notNull(),
    year: integer('year'),
    /** What was asked for (fonds, year, record list…), as given. */
    selection: jsonb('selection').notNull(),
    recordCount: integer('record_count'),
    fileCount: integer('file_count'),
    totalBytes: bigNumber('total_bytes'),
    /** The package in the stores (copies rows hold each stored copy). */
    objectKey: text('object_key'),
    size: bigNumber('size'),
    sha256: text('sha256'),
    sm3: text('sm3'),
    /** 移交登记表 fields and the four-property report made at transfer. */
    register: jsonb('register'),
    report: jsonb('report'),
    requestedBy: text('requested_by').notNull(),
    failureReason: text('failure_reason'),
    /** While building: { phase, bytes, totalBytes, files, totalFiles, attempt } (GET /api/v1/transfers/{id}). */
    progress: jsonb('progress'),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    index('transfers_fonds_created_idx').on(t.fonds, t.createdAt),
    check('transfers_status_check', inList(t.status.name, TRANSFER_STATUSES)),
  ],
);

/** A fixity audit run (stage preservation); per-copy results are on copies and in the event log. */
export const audits = pgTable(
  'audits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status', { enum: AUDIT_STATUSES }).notNull().default('running'),
    /** null: every store. */
    store: text('store'),
    /** Share of copies to check, in percent (0 < p ≤ 100; fractions allowed). */
    samplePercent: doublePrecision('sample_percent').notNull().default(100),
    repair: boolean('repair').notNull().default(false),
    requestedBy: text('requested_by').notNull(),
    checked: integer('checked').notNull().default(0),
    ok: integer('ok').notNull().default(0),
    missing: integer('missing').notNull().default(0),
    corrupt: integer('corrupt').notNull().default(0),
    repaired: integer('repaired').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    summary: jsonb('summary'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('audits_started_idx').on(t.startedAt),
    check('audits_status_check', inList(t.status.name, AUDIT_STATUSES)),
  ],
);

/** 利用登记: every delivery of a file's bytes to someone, with the stated purpose. */
export const accesses = pgTable(
  'accesses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordId: uuid('record_id')
      .notNull()
      .references(() => records.id),
    fileId: uuid('file_id').references(() => files.id),
    /** 利用目的 as stated. */
    purpose: text('purpose').notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** 利用效果反馈: what the access achieved, added afterwards by staff. */
    feedback: text('feedback'),
    feedbackBy: text('feedback_by'),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
  },
  (t) => [index('accesses_record_at_idx').on(t.recordId, t.at), index('accesses_at_idx').on(t.at)],
);

/**
 * Every file of an archived package (说明文件, 目录文件, manifests, seals, metadata XML and content),
 * by its package path, with the content key it is stored under in every store (copies holds each copy).
 */
export const submissionObjects = pgTable(
  'submission_objects',
  {
    submissionId: uuid('submission_id')
      .notNull()
      .references(() => submissions.id),
    path: text('path').notNull(),
    objectKey: text('object_key').notNull(),
    size: bigNumber('size').notNull(),
    sha256: text('sha256').notNull(),
    sm3: text('sm3').notNull(),
  },
  (t) => [uniqueIndex('submission_objects_pk_idx').on(t.submissionId, t.path), index('submission_objects_key_idx').on(t.objectKey)],
);

/** A staff login to the UI: the cookie carries the token, only its SHA-256 is stored; one CSRF token per session. */
export const sessions = pgTable(
  'sessions',
  {
    tokenSha256: text('token_sha256').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_expires_idx').on(t.expiresAt)],
);
