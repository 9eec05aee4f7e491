-- appendEvents() appends several entries under one lock: the chain head may advance by more than
-- one entry at a time, but still only forward (count and last_seq grow, never shrink).
CREATE OR REPLACE FUNCTION dangan_event_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.count > OLD.count AND NEW.last_seq > OLD.last_seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '事件链头只能随追加前进 (event_chain_head only advances with an append: % refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
