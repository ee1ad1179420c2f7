-- The distinct words of listing names, for relevance search (issue 19): a typo ("magnolai") is
-- looked up here (a few thousand words behind a trigram index) instead of comparing it with every
-- listing's name, and the words it is close to are then found through the full-text index like any
-- other word. Words of renamed or deleted listings stay: they only propose candidates, and each
-- candidate is checked against the live listing.
CREATE TABLE name_words (
    word text PRIMARY KEY CHECK (word <> '')
);
CREATE INDEX name_words_trigram ON name_words USING gin (word gin_trgm_ops);

-- A name's words as relevance search splits a query: lower case, letters and digits.
CREATE FUNCTION words_of_name(name text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT word FROM regexp_split_to_table(lower(name), '[^[:alnum:]]+') AS word WHERE word <> ''
$$;

-- Once per statement, so a bulk insert adds its words in one pass.
CREATE FUNCTION add_name_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO properties.name_words (word)
    SELECT DISTINCT properties.words_of_name(added.property_name) FROM added
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER properties_name_words_inserted AFTER INSERT ON properties
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION add_name_words();
CREATE TRIGGER properties_name_words_updated AFTER UPDATE ON properties
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION add_name_words();

INSERT INTO name_words (word)
SELECT DISTINCT words_of_name(property_name) FROM properties
ON CONFLICT DO NOTHING;
