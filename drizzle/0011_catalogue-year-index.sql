DROP INDEX "records_fonds_year_code_idx";--> statement-breakpoint
CREATE INDEX "records_fonds_year_code_title_idx" ON "records" USING btree ("fonds","year","archival_code","title");