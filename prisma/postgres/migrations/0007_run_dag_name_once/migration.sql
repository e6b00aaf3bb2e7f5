-- The DAG name lives in one place, the "dagName" column: runs started before 0002 had it only in their options.
UPDATE "Run" SET "dagName" = ("options"::jsonb ->> 'dagName')
  WHERE "dagName" IS NULL AND jsonb_typeof("options"::jsonb -> 'dagName') = 'string';

-- ... and every run carried a copy in its options, which nothing reads any more.
UPDATE "Run" SET "options" = ("options"::jsonb - 'dagName')::text
  WHERE ("options"::jsonb -> 'dagName') IS NOT NULL;
