-- The final checkpoint of a run a guardrail stopped carries the stop reason, written in the same
-- insert as its weights: a crash before the run row says "stopped" resumes to that same end.
alter table checkpoints
  add column stop_reason text not null default '',
  add column stop_detail text not null default '';
