-- Of the role names $1, those the server does not have.
SELECT name FROM unnest($1::text[]) AS name
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = name) ORDER BY 1;
