// Generates packages-samples/profiles/<kind>/{valid,invalid}/: for each record kind (重大行政决策,
// 政务服务, 重特大事件, 数字化) a package its built-in profile accepts and one it rejects for the
// reason packages-samples/profiles/README.md gives. Run: npx node scripts/make-profile-samples.ts
// (needs ImageMagick's convert for the scans; the PDF is packages-samples/valid's).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS, kindSpec, loadKindContent, makeScan, writeKindPackage, type Kind, type KindPackageSpec } from '../test/fixtures/packages/kinds.ts';

const out = fileURLToPath(new URL('../packages-samples/profiles/', import.meta.url));

/** How each invalid sample breaks its profile (see the README beside the samples). */
const BREAK: Record<Kind, (s: KindPackageSpec) => void> = {
  // GD-2-9: no 风险评估 record and no 情况说明 explaining why it was not performed
  decision: (s) => {
    s.records = s.records.filter((r) => r.meta.description?.decisionStage !== '风险评估');
  },
  // GD-2-9: the second 办件 has no 结果材料; GD-2-5: its 审核 step is not recorded
  'gov-service': (s) => {
    s.records[1].files[1].extra = { materialCategory: '过程材料' };
    s.records[1].meta.processes = s.records[1].meta.processes.filter((p) => p.action !== '审核');
  },
  // GD-2-9: no work log (工作日志)
  emergency: (s) => {
    s.records.splice(1, 1);
    s.records[1].meta.archivalCode!.itemNumber = '0002';
  },
  // GD-1-5: a 150 dpi scan recorded as 300 dpi
  digitized: (s) => {
    s.records[0].files[0].bytes = makeScan('jpg', 150);
  },
};

const content = loadKindContent();
rmSync(out, { recursive: true, force: true });
for (const kind of KINDS) {
  writeKindPackage(join(out, kind, 'valid'), await kindSpec(kind, content));
  const broken = await kindSpec(kind, content);
  BREAK[kind](broken);
  writeKindPackage(join(out, kind, 'invalid'), broken);
}
console.log(`profile samples written to ${out}`);
