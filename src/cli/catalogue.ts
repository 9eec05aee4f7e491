// `dangan catalogue <package>`: prints the 案卷目录, each volume's 卷内目录 and 备考表 and the
// 归档文件目录 of a package; --html and --xml also write them as a printable page and as XML.
// Exit 0 when every metadata file was read, 1 when some could not be (the rest is still printed),
// 2 when the package cannot be opened.
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildCatalogues, readCatalogueInput, renderCataloguesHtml, renderCataloguesText, renderCataloguesXml } from '../catalogue/index.ts';
import { CliError, EXIT, type CliIo } from './io.ts';

export interface CatalogueFlags {
  html?: string;
  xml?: string;
}

export async function catalogue(io: CliIo, path: string, flags: CatalogueFlags): Promise<number> {
  const target = resolve(io.cwd, path);
  try {
    await stat(target);
  } catch (e) {
    throw new CliError(`dangan catalogue: 无法读取 ${path} (cannot read the package): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { input, problems } = await readCatalogueInput(target);
  const c = buildCatalogues(input);
  if (flags.html) await writeFile(resolve(io.cwd, flags.html), renderCataloguesHtml(c));
  if (flags.xml) await writeFile(resolve(io.cwd, flags.xml), renderCataloguesXml(c));
  io.out(renderCataloguesText(c));
  for (const p of problems) io.err(`dangan catalogue: ${p.target}: ${p.message}\n`);
  return problems.length > 0 ? EXIT.rejected : EXIT.ok;
}
