// The database capability: open PGlite or PostgreSQL (migrated), the schema, and their errors.
export {
  openDatabase,
  isPostgresUrl,
  redactUrl,
  rowsOf,
  DatabaseUnavailableError,
  MigrationMismatchError,
  MIGRATIONS_FOLDER,
  MIGRATION_LOCK_KEY,
  type Database,
  type DatabaseKind,
  type Db,
  type DbLogger,
  type OpenDatabaseOptions,
  type Schema,
} from './client.ts';
export { DatabaseBusyError, DataDirError, LOCK_FILE_NAME, type LockHolder } from './data-dir-lock.ts';
export * from './schema.ts';
