DROP INDEX "records_fonds_year_idx";--> statement-breakpoint
DROP INDEX "records_title_trgm_idx";--> statement-breakpoint
CREATE INDEX "records_fonds_year_code_idx" ON "records" USING btree ("fonds","year","archival_code");--> statement-breakpoint
CREATE INDEX "records_fonds_code_title_idx" ON "records" USING btree ("fonds","archival_code","title");--> statement-breakpoint
CREATE INDEX "records_title_bigram_idx" ON "records" USING gin (dangan_bigrams("title"));--> statement-breakpoint
CREATE INDEX "records_code_prefix_idx" ON "records" USING btree (upper("archival_code") text_pattern_ops);