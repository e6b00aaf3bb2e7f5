-- The DAG name lives in one place, the "dagName" column: runs started before 0002 had it only in their options.
UPDATE "Run" SET "dagName" = json_extract("options", '$.dagName')
  WHERE "dagName" IS NULL AND json_valid("options") AND json_type("options", '$.dagName') = 'text';

-- ... and every run carried a copy in its options, which nothing reads any more.
UPDATE "Run" SET "options" = json_remove("options", '$.dagName')
  WHERE json_valid("options") AND json_type("options", '$.dagName') IS NOT NULL;
