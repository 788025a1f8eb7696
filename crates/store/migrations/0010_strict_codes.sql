-- Migration 10, portable part: notifications keep the id of their task instead of a link
-- (the store holds no URLs). The dialect parts copy old links into it, drop the link column and
-- constrain the code columns.
ALTER TABLE notifications ADD COLUMN task_id BIGINT REFERENCES tasks(id);
