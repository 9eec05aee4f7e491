// Cataloguing an accepted, stored package in ONE transaction: volumes, records, files, copies, the
// package's objects, the status `archived` and the events — all or nothing. Serialised per fonds
// and re-checking 件号 continuity and duplicate 档号 against what is held at that moment.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { archivalCodeOf, archivalCodeParts } from '../metadata/index.ts';
import type { Db } from '../db/index.ts';
import { ACCESS_FLAGS, FILE_ROLES, copies, files, records, submissionObjects, submissions, volumes } from '../db/schema.ts';
import { appendEvents, type NewEvent } from '../events/index.ts';
import type { StoredPackage, StoredRecord } from './store-package.ts';

/** What changed since the check: another package took these 档号 or 件号 meanwhile. */
export class CatalogueConflict extends Error {
  /** True when checking again cannot help (a volume code already held: the engine does not check it). */
  readonly permanent: boolean;
  constructor(message: string, permanent = false) {
    super(message);
    this.name = 'CatalogueConflict';
    this.permanent = permanent;
  }
}

const lastSegment = (folder: string) => folder.split('/').pop() ?? folder;

interface RecordRow {
  stored: StoredRecord;
  code: string;
  fonds: string;
  category: string | null;
  year: number;
  retention: string | null;
  division: string | null;
  itemNumber: string | null;
}

function recordRow(r: StoredRecord, volumeRetention: Map<string, string | undefined>): RecordRow {
  const el = r.metadata.archivalCode;
  const parts = archivalCodeParts(el);
  const code = archivalCodeOf(el) ?? lastSegment(r.folder);
  const date = r.metadata.description?.date;
  if (parts?.form === 'item') {
    return { stored: r, code, fonds: parts.fonds, category: parts.category, year: Number(parts.year) || 0, retention: parts.retention, division: parts.division ?? null, itemNumber: parts.itemNumber };
  }
  const year = date && /^\d{4}/.test(date) ? Number(date.slice(0, 4)) : 0;
  return {
    stored: r,
    code,
    fonds: el?.fonds ?? code.split('-')[0],
    category: null,
    year,
    retention: (r.volume && volumeRetention.get(r.volume)) ?? null,
    division: null,
    itemNumber: parts?.form === 'volume' ? (parts.sequenceInVolume ?? null) : null,
  };
}

const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

export interface CatalogueInput {
  submissionId: string;
  stored: StoredPackage;
  storeNames: string[];
  actor: string;
  now: Date;
}

/** Catalogues the package and marks the submission archived; returns the 档号 archived. */
export async function cataloguePackage(db: Db, input: CatalogueInput): Promise<string[]> {
  const { stored, submissionId, now } = input;
  const volumeRetention = new Map(stored.volumes.map((v) => [v.folder, v.metadata.retention]));
  const rows = stored.records.map((r) => recordRow(r, volumeRetention));
  const volumeRows = stored.volumes.map((v) => {
    const el = v.metadata.archivalCode;
    const code = archivalCodeOf(el) ?? lastSegment(v.folder);
    const [start, end] = (v.metadata.dateRange ?? '').split('-');
    return {
      folder: v.folder,
      values: {
        submissionId,
        archivalCode: code,
        fonds: el?.fonds ?? code.split('-')[0],
        catalogueNumber: el?.catalogueNumber ?? '',
        volumeNumber: el?.volumeNumber ?? '',
        title: v.metadata.title ?? '',
        unit: v.metadata.unitName ?? null,
        retention: v.metadata.retention ?? null,
        startDate: start || null,
        endDate: end || null,
        itemCount: int(v.metadata.recordCount),
        pageCount: int(v.metadata.pageCount),
        metadata: v.metadata as unknown as object,
        metadataKey: v.metadataObject.key,
      },
    };
  });
  const volumeCodeOf = new Map(volumeRows.map((v) => [v.folder, v.values.archivalCode]));
  const fondsList = [...new Set([...rows.map((r) => r.fonds), ...volumeRows.map((v) => v.values.fonds)])].sort();

  return db.transaction(async (tx) => {
    const [sub] = await tx.select({ status: submissions.status }).from(submissions).where(eq(submissions.id, submissionId)).for('update');
    if (!sub) throw new Error(`submission ${submissionId} is gone`);
    if (sub.status === 'archived') return [];

    // One package at a time per fonds: continuity and duplicates are decided under the lock.
    for (const f of fondsList) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`dangan:fonds:${f}`}))`);

    const codes = rows.map((r) => r.code);
    if (codes.length) {
      const dup = await tx.select({ code: records.archivalCode }).from(records).where(inArray(records.archivalCode, codes)).limit(1);
      if (dup.length) throw new CatalogueConflict(`档号 ${dup[0].code} 已在馆藏中（检测后被其他信息包归档）(already held: archived by another package after the check)`);
    }
    const vcodes = volumeRows.map((v) => v.values.archivalCode);
    if (vcodes.length) {
      const dup = await tx.select({ code: volumes.archivalCode }).from(volumes).where(inArray(volumes.archivalCode, vcodes)).limit(1);
      if (dup.length) throw new CatalogueConflict(`案卷档号 ${dup[0].code} 已在馆藏中 (volume already held)`, true);
    }
    // 件号 continuity per group: the package's lowest 件号 must follow the highest held.
    const groups = new Map<string, { r: RecordRow; min: number }>();
    for (const r of rows) {
      if (r.category === null || r.itemNumber === null || !/^\d+$/.test(r.itemNumber)) continue;
      const k = [r.fonds, r.category, r.year, r.retention, r.division].join('|');
      const n = Number(r.itemNumber);
      const g = groups.get(k);
      if (!g || n < g.min) groups.set(k, { r, min: n });
    }
    for (const { r, min } of groups.values()) {
      const [m] = await tx
        .select({ max: sql<number | null>`max(case when ${records.itemNumber} ~ '^[0-9]+$' then ${records.itemNumber}::int end)` })
        .from(records)
        .where(
          and(
            eq(records.fonds, r.fonds),
            eq(records.categoryCode, r.category!),
            eq(records.year, r.year),
            r.retention === null ? isNull(records.retention) : eq(records.retention, r.retention),
            r.division === null ? isNull(records.organization) : eq(records.organization, r.division),
          ),
        );
      const expected = m?.max == null ? 1 : Number(m.max) + 1;
      if (min !== expected) throw new CatalogueConflict(`件号应从 ${expected} 开始，信息包从 ${min} 开始（检测后馆藏有变）(item numbers no longer continue what is held)`);
    }

    if (volumeRows.length) await tx.insert(volumes).values(volumeRows.map((v) => v.values));
    const events: NewEvent[] = [];
    for (const r of rows) {
      const m = r.stored.metadata;
      const d = m.description;
      const control = m.rights?.controlMark;
      const [rec] = await tx
        .insert(records)
        .values({
          submissionId,
          archivalCode: r.code,
          electronicFileNumber: m.recordId ?? null,
          fonds: r.fonds,
          categoryCode: r.category,
          year: r.year,
          retention: r.retention,
          organization: r.division,
          itemNumber: r.itemNumber,
          volumeCode: (r.stored.volume && volumeCodeOf.get(r.stored.volume)) ?? null,
          volumePages: m.archivalCode?.pageRange ?? null,
          title: d?.title ?? '',
          responsible: d?.author ?? null,
          documentNumber: d?.documentNumber ?? null,
          date: d?.date ?? null,
          classification: d?.classification ?? null,
          pages: int(m.form?.pageCount),
          metadata: m as unknown as object,
          metadataKey: r.stored.metadataObject.key,
          access: (ACCESS_FLAGS as readonly string[]).includes(control ?? '') ? (control as (typeof ACCESS_FLAGS)[number]) : null,
        })
        .returning({ id: records.id });
      const used = new Set<number>();
      const fileRows = r.stored.files.map((f, i) => {
        let seq = int(f.described?.sequence) ?? i + 1;
        while (used.has(seq)) seq++;
        used.add(seq);
        const role = f.described?.role;
        return {
          recordId: rec.id,
          sequence: seq,
          name: f.described?.fileName ?? lastSegment(f.object.path),
          size: f.object.size,
          format: f.described?.format ?? null,
          sha256: f.object.sha256,
          sm3: f.object.sm3,
          role: (FILE_ROLES as readonly string[]).includes(role ?? '') ? (role as (typeof FILE_ROLES)[number]) : seq === 1 ? ('主文档' as const) : ('附属文档' as const),
          objectKey: f.object.key,
        };
      });
      const inserted = fileRows.length ? await tx.insert(files).values(fileRows).returning({ id: files.id, objectKey: files.objectKey }) : [];
      const copyRows = inserted.flatMap((f, i) =>
        input.storeNames.map((store) => ({ fileId: f.id, objectKey: f.objectKey, store, size: fileRows[i].size, sha256: fileRows[i].sha256, sm3: fileRows[i].sm3, verifiedAt: now })),
      );
      if (copyRows.length) await tx.insert(copies).values(copyRows).onConflictDoNothing();
      events.push({
        type: 'record.archived',
        actor: input.actor,
        subject: { type: 'record', id: r.code },
        payload: { submission: submissionId, files: fileRows.map((f) => ({ sequence: f.sequence, name: f.name, size: f.size, sm3: f.sm3, sha256: f.sha256 })), stores: input.storeNames },
      });
    }
    // Every other object of the package (说明文件, 目录文件, manifests, seals, metadata XML).
    const otherCopies = stored.objects.flatMap((o) =>
      input.storeNames.map((store) => ({ fileId: null, objectKey: o.key, store, size: o.size, sha256: o.sha256, sm3: o.sm3, verifiedAt: now })),
    );
    for (let i = 0; i < otherCopies.length; i += 1000) await tx.insert(copies).values(otherCopies.slice(i, i + 1000)).onConflictDoNothing();
    const objectRows = stored.objects.map((o) => ({ submissionId, path: o.path, objectKey: o.key, size: o.size, sha256: o.sha256, sm3: o.sm3 }));
    for (let i = 0; i < objectRows.length; i += 1000) await tx.insert(submissionObjects).values(objectRows.slice(i, i + 1000)).onConflictDoNothing();

    await tx
      .update(submissions)
      .set({ status: 'archived', archivedAt: now, updatedAt: now, failureReason: null, fonds: fondsList[0] ?? null })
      .where(eq(submissions.id, submissionId));
    events.push({
      type: 'submission.archived',
      actor: input.actor,
      subject: { type: 'submission', id: submissionId },
      payload: { records: codes, volumes: vcodes, objects: stored.objects.length, bytes: stored.bytes, stores: input.storeNames },
    });
    await appendEvents(tx, events, { now: () => now });
    return codes;
  });
}
