-- Sample data for the seed example: run against the `analytics` database.
SET client_min_messages = warning;
DROP TABLE IF EXISTS metrics;
CREATE TABLE metrics (
  id         serial PRIMARY KEY,
  name       text NOT NULL,
  value      numeric NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO metrics (name, value, created_at) VALUES
  ('checkout_total', 250.00,  now() - interval '10 minutes'),
  ('checkout_total', 1250.50, now() - interval '9 minutes'),
  ('checkout_total', 999.99,  now() - interval '8 minutes'),
  ('checkout_total', 1000.00, now() - interval '7 minutes'),
  ('refund_total',   4200.00, now() - interval '5 minutes'),
  ('refund_total',   15.00,   now() - interval '2 minutes'),
  -- older than an hour: the seed's query leaves it out
  ('checkout_total', 9999.00, now() - interval '2 hours');
