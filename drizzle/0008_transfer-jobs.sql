ALTER TABLE "transfers" DROP CONSTRAINT "transfers_status_check";--> statement-breakpoint
ALTER TABLE "transfers" ADD COLUMN "progress" jsonb;--> statement-breakpoint
ALTER TABLE "transfers" ADD CONSTRAINT "transfers_status_check" CHECK (status in ('pending', 'building', 'stored', 'failed'));