// A finding: one thing wrong with a package, named by its check item. Readers and checks return
// findings as data; the engine turns them into report items with the stage prefix (GD/YJ/BC).

/** The item number without its stage prefix, e.g. '1-13' for GD-1-13 / YJ-1-13. */
export type ItemNumber = `${1 | 2 | 3 | 4}-${number}`;

export interface Finding {
  item: ItemNumber;
  /** A package-relative path, a 档号, or 'package'. */
  target: string;
  /** Chinese-first, short, specific: what is wrong and where. */
  message: string;
  /** 'fail' unless the finding is advisory by nature (OS litter); profiles may downgrade further. */
  severity?: 'fail' | 'warn';
  expected?: string;
  actual?: string;
}

export function finding(item: ItemNumber, target: string, message: string, extra: Partial<Finding> = {}): Finding {
  return { item, target, message, ...extra };
}
