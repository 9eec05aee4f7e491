CREATE TABLE "submission_objects" (
	"submission_id" uuid NOT NULL,
	"path" text NOT NULL,
	"object_key" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"sm3" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "callback_secret" text;--> statement-breakpoint
ALTER TABLE "submission_objects" ADD CONSTRAINT "submission_objects_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "submission_objects_pk_idx" ON "submission_objects" USING btree ("submission_id","path");--> statement-breakpoint
CREATE INDEX "submission_objects_key_idx" ON "submission_objects" USING btree ("object_key");