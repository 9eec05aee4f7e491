CREATE TABLE "copies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_id" uuid,
	"object_key" text NOT NULL,
	"store" text NOT NULL,
	"status" text DEFAULT 'ok' NOT NULL,
	"size" bigint,
	"sha256" text,
	"sm3" text,
	"verified_at" timestamp with time zone,
	"last_audited_at" timestamp with time zone,
	"last_audit_result" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "copies_status_check" CHECK (status in ('ok', 'missing', 'corrupt', 'repaired')),
	CONSTRAINT "copies_audit_result_check" CHECK (last_audit_result is null or last_audit_result in ('ok', 'missing', 'corrupt', 'error'))
);
--> statement-breakpoint
CREATE TABLE "event_chain_head" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "event_chain_head_single_row" CHECK ("event_chain_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone NOT NULL,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"subject_type" text,
	"subject_id" text,
	"payload" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"record_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"name" text NOT NULL,
	"size" bigint NOT NULL,
	"format" text,
	"sha256" text NOT NULL,
	"sm3" text NOT NULL,
	"role" text NOT NULL,
	"object_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "files_role_check" CHECK (role in ('主文档', '附属文档'))
);
--> statement-breakpoint
CREATE TABLE "records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"submission_id" uuid,
	"archival_code" text NOT NULL,
	"electronic_file_number" text,
	"fonds" text NOT NULL,
	"category_code" text,
	"year" integer NOT NULL,
	"retention" text,
	"organization" text,
	"item_number" text,
	"volume_code" text,
	"volume_pages" text,
	"title" text NOT NULL,
	"responsible" text,
	"document_number" text,
	"date" text,
	"classification" text,
	"pages" integer,
	"metadata" jsonb NOT NULL,
	"metadata_key" text,
	"access" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "records_access_check" CHECK (access is null or access in ('开放', '控制'))
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"source" text NOT NULL,
	"submitter" text NOT NULL,
	"token_id" uuid,
	"user_id" uuid,
	"fonds" text,
	"idempotency_key" text,
	"staging_key" text,
	"package_name" text,
	"package_size" bigint,
	"package_sha256" text,
	"package_sm3" text,
	"profile" text,
	"stage" text DEFAULT 'archiving' NOT NULL,
	"report" jsonb,
	"verdict" text,
	"failure_reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"callback_url" text,
	"callback_delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"checked_at" timestamp with time zone,
	"archived_at" timestamp with time zone,
	CONSTRAINT "submissions_status_check" CHECK (status in ('received', 'checking', 'accepted', 'rejected', 'archived', 'failed')),
	CONSTRAINT "submissions_source_check" CHECK (source in ('online', 'offline', 'import', 'receipt')),
	CONSTRAINT "submissions_stage_check" CHECK (stage in ('archiving', 'transfer', 'preservation')),
	CONSTRAINT "submissions_verdict_check" CHECK (verdict is null or verdict in ('accepted', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"system" text NOT NULL,
	"fonds" text[] NOT NULL,
	"token_sha256" text NOT NULL,
	"callback_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "tokens_token_sha256_unique" UNIQUE("token_sha256")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_name_unique" UNIQUE("name"),
	CONSTRAINT "users_role_check" CHECK (role in ('receiver', 'auditor', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "volumes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"submission_id" uuid,
	"archival_code" text NOT NULL,
	"fonds" text NOT NULL,
	"catalogue_number" text NOT NULL,
	"volume_number" text NOT NULL,
	"title" text NOT NULL,
	"unit" text,
	"retention" text,
	"start_date" text,
	"end_date" text,
	"item_count" integer,
	"page_count" integer,
	"metadata" jsonb NOT NULL,
	"metadata_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volumes_archival_code_unique" UNIQUE("archival_code")
);
--> statement-breakpoint
ALTER TABLE "copies" ADD CONSTRAINT "copies_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_volume_code_volumes_archival_code_fk" FOREIGN KEY ("volume_code") REFERENCES "public"."volumes"("archival_code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_token_id_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."tokens"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volumes" ADD CONSTRAINT "volumes_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "copies_store_key_idx" ON "copies" USING btree ("store","object_key");--> statement-breakpoint
CREATE INDEX "copies_store_audited_idx" ON "copies" USING btree ("store","last_audited_at" NULLS FIRST);--> statement-breakpoint
CREATE INDEX "copies_object_key_idx" ON "copies" USING btree ("object_key");--> statement-breakpoint
CREATE INDEX "copies_file_idx" ON "copies" USING btree ("file_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_hash_idx" ON "events" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "events_type_seq_idx" ON "events" USING btree ("type","seq");--> statement-breakpoint
CREATE INDEX "events_subject_idx" ON "events" USING btree ("subject_type","subject_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "files_record_sequence_idx" ON "files" USING btree ("record_id","sequence");--> statement-breakpoint
CREATE INDEX "files_sha256_idx" ON "files" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "files_sm3_idx" ON "files" USING btree ("sm3");--> statement-breakpoint
CREATE INDEX "files_object_key_idx" ON "files" USING btree ("object_key");--> statement-breakpoint
CREATE UNIQUE INDEX "records_archival_code_idx" ON "records" USING btree ("archival_code");--> statement-breakpoint
CREATE INDEX "records_fonds_year_idx" ON "records" USING btree ("fonds","year");--> statement-breakpoint
CREATE INDEX "records_title_trgm_idx" ON "records" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "records_item_group_idx" ON "records" USING btree ("fonds","category_code","year","retention","organization","item_number");--> statement-breakpoint
CREATE INDEX "records_submission_idx" ON "records" USING btree ("submission_id");--> statement-breakpoint
CREATE INDEX "records_volume_idx" ON "records" USING btree ("volume_code");--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_idempotency_idx" ON "submissions" USING btree ("submitter","idempotency_key","package_sha256") WHERE idempotency_key is not null;--> statement-breakpoint
CREATE INDEX "submissions_status_created_idx" ON "submissions" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "submissions_fonds_created_idx" ON "submissions" USING btree ("fonds","created_at");--> statement-breakpoint
CREATE INDEX "volumes_fonds_idx" ON "volumes" USING btree ("fonds","catalogue_number","volume_number");