-- Seed for examples/postgres: a metrics table to read and an alerts table to write.
-- psql "${SLUICE_EXAMPLE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -f examples/postgres/seed.sql
DROP TABLE IF EXISTS sluice_example_metrics, sluice_example_alerts;

CREATE TABLE sluice_example_metrics (
  id         bigint PRIMARY KEY,
  sensor_id  text NOT NULL,
  value      numeric,
  status     text,
  created_at timestamptz NOT NULL
);

-- 10 000 readings over the last 10 000 minutes; every 50th is above 1000, some values are NULL.
INSERT INTO sluice_example_metrics
SELECT g,
       's-' || (g % 25),
       CASE WHEN g % 97 = 0 THEN NULL WHEN g % 50 = 0 THEN 1000 + g % 500 ELSE (g * 7) % 900 END,
       CASE WHEN g % 3 = 0 THEN 'maintenance' ELSE 'active' END,
       now() - (g || ' minutes')::interval
FROM generate_series(1, 10000) g;

CREATE TABLE sluice_example_alerts (
  id         bigint PRIMARY KEY,
  sensor_id  text NOT NULL,
  value      numeric NOT NULL,
  created_at timestamptz NOT NULL,
  rule       text
);
