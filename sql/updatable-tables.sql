-- Of the tables $1 (oids), those the connecting role may UPDATE.
SELECT oid::int8::text AS oid FROM unnest($1::oid[]) AS oid WHERE has_table_privilege(oid, 'UPDATE');
