CREATE TABLE "accesses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"record_id" uuid NOT NULL,
	"file_id" uuid,
	"purpose" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"store" text,
	"sample_percent" double precision DEFAULT 100 NOT NULL,
	"repair" boolean DEFAULT false NOT NULL,
	"requested_by" text NOT NULL,
	"checked" integer DEFAULT 0 NOT NULL,
	"ok" integer DEFAULT 0 NOT NULL,
	"missing" integer DEFAULT 0 NOT NULL,
	"corrupt" integer DEFAULT 0 NOT NULL,
	"repaired" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "audits_status_check" CHECK (status in ('running', 'done', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "transfers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'building' NOT NULL,
	"fonds" text NOT NULL,
	"year" integer,
	"selection" jsonb NOT NULL,
	"record_count" integer,
	"file_count" integer,
	"total_bytes" bigint,
	"object_key" text,
	"size" bigint,
	"sha256" text,
	"sm3" text,
	"register" jsonb,
	"report" jsonb,
	"requested_by" text NOT NULL,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "transfers_status_check" CHECK (status in ('building', 'stored', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "accesses" ADD CONSTRAINT "accesses_record_id_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accesses" ADD CONSTRAINT "accesses_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accesses_record_at_idx" ON "accesses" USING btree ("record_id","at");--> statement-breakpoint
CREATE INDEX "accesses_at_idx" ON "accesses" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audits_started_idx" ON "audits" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "transfers_fonds_created_idx" ON "transfers" USING btree ("fonds","created_at");