// Status labels: every status a submission, transfer, audit or copy can hold reads in Chinese
// first (a queued transfer showed the raw word `pending`).
import { describe, expect, it } from 'vitest';
import { AUDIT_STATUSES, COPY_STATUSES, SUBMISSION_STATUSES, TRANSFER_STATUSES } from '../db/schema.ts';
import { trOf } from './i18n.ts';
import { statusLabel } from './layout.ts';

describe('statusLabel', () => {
  const zh = trOf('zh');
  it('labels every status of every table in Chinese', () => {
    for (const s of [...SUBMISSION_STATUSES, ...TRANSFER_STATUSES, ...AUDIT_STATUSES, ...COPY_STATUSES]) {
      expect(statusLabel(zh, s), s).toMatch(/\p{Script=Han}/u);
    }
    expect(statusLabel(zh, 'pending')).toBe('排队中');
    expect(statusLabel(zh, null)).toBe('—');
    expect(statusLabel(zh, 'unheard-of')).toBe('unheard-of');
  });
});
