-- Title search for Chinese: the character bigrams of a text, lowercased. A GIN index on
-- dangan_bigrams(title) finds the titles holding every bigram of a search string of two or more
-- characters (most Chinese words are two characters, too short for pg_trgm's trigrams); the
-- search then checks the substring itself. (Repeated bigrams are kept: GIN keeps each key once.)
-- PL/pgSQL, about 2.5 times faster than the same in SQL over generate_series; PGlite and
-- PostgreSQL alike.
CREATE FUNCTION dangan_bigrams(t text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  l text := lower(t);
  r text[] := '{}';
BEGIN
  FOR i IN 1 .. length(l) - 1 LOOP
    r := r || substr(l, i, 2);
  END LOOP;
  RETURN r;
END
$$;
