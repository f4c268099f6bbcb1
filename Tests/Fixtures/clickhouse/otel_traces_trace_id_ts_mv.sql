CREATE MATERIALIZED VIEW IF NOT EXISTS "{db}"."otel_traces_trace_id_ts_mv"
TO "{db}"."otel_traces_trace_id_ts"
AS SELECT
              TraceId,
              min(Timestamp) as Start,
              max(Timestamp) as End
   FROM "{db}"."otel_traces"
   WHERE TraceId != ''
   GROUP BY TraceId
