// Catalogues (卷内目录, 案卷目录, 备考表, 归档文件目录) of a set of records: built from their metadata,
// rendered as XML, printable HTML and terminal text.
export { buildCatalogues, catalogueRecord, type CatalogueRecord, retentionLabel, RETENTION_LABEL, type Catalogues, type CatalogueInput, type ItemListRow, type RecordRow, type VolumeContents, type VolumeContentsRow, type VolumeListRow, type VolumeNote } from './model.ts';
export { readCatalogueInput } from './read.ts';
export { renderCataloguesXml } from './xml.ts';
export { renderCataloguesHtml, cataloguesSection, CATALOGUE_CSS } from './html.ts';
export { renderCataloguesText, displayWidth } from './text.ts';
