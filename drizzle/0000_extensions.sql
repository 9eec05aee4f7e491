-- Extensions the schema needs. pg_trgm serves title search (LIKE '%…%') on both PostgreSQL
-- (contrib, a trusted extension since PostgreSQL 13) and PGlite (loaded by src/db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
