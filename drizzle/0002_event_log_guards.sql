-- The event log is append-only: triggers refuse UPDATE, DELETE and TRUNCATE on events, and keep
-- the chain head to one row that only moves forward. (A superuser can still disable triggers;
-- the hash chain, verified by `dangan log verify`, is what detects that.)
CREATE FUNCTION dangan_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '事件日志只能追加，不能修改或删除 (events is append-only: % refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION dangan_events_append_only();
--> statement-breakpoint
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION dangan_events_append_only();
--> statement-breakpoint
CREATE FUNCTION dangan_event_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.count = OLD.count + 1 AND NEW.last_seq > OLD.last_seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '事件链头只能随追加前进 (event_chain_head only advances with an append: % refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
INSERT INTO event_chain_head (id, last_seq, count, hash)
  VALUES (1, 0, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
CREATE TRIGGER event_chain_head_forward_only BEFORE UPDATE OR DELETE ON event_chain_head
  FOR EACH ROW EXECUTE FUNCTION dangan_event_head_forward_only();
--> statement-breakpoint
CREATE TRIGGER event_chain_head_no_truncate BEFORE TRUNCATE ON event_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION dangan_event_head_forward_only();
