-- Title search for Chinese: the distinct character bigrams of a text, lowercased. A GIN index on
-- dangan_bigrams(title) finds the titles holding every bigram of a search string of two or more
-- characters (most Chinese words are two characters, too short for pg_trgm's trigrams); the
-- search then checks the substring itself. Plain SQL, so PGlite and PostgreSQL alike.
CREATE FUNCTION dangan_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}') FROM generate_series(1, length(t) - 1) AS i
$$;
