-- Issue 17: the register's list leaves archived activities out; with the
-- status in the index, the page and its count are read from the index
-- alone, as they were before the filter.
DROP INDEX activities_tenant_name;
CREATE INDEX activities_tenant_name_status ON activities (tenant_id, name, status);
