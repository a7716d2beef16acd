-- Login throttling counts an attempt before its password is verified, in one
-- statement: every key the attempt falls under (account, address, account+address)
-- is locked in key order (so concurrent attempts never deadlock), and either all
-- admit the attempt and each counts it, or none counts it and the longest wait is
-- returned. Times are UTC, as Prisma stores them.

-- Counters under the earlier keys (`user:…`, `ip:…`) would never be read again.
DELETE FROM "LoginThrottle";

-- CreateIndex
CREATE INDEX "LoginThrottle_windowStartsAt_idx" ON "LoginThrottle"("windowStartsAt");

-- Returns 0 when the attempt may go ahead, else the seconds until it may.
CREATE FUNCTION login_attempt(keys TEXT[], limits INT[], penalty_seconds INT[], window_seconds INT)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  at TIMESTAMP(3) := now() AT TIME ZONE 'UTC';
  wait INT;
BEGIN
  -- Refused without writing anything: a locked sender adds no rows, however many names it tries.
  SELECT ceil(extract(epoch FROM max("lockedUntil") - at))::INT INTO wait
    FROM "LoginThrottle" WHERE key = ANY(keys) AND "lockedUntil" > at;
  IF wait IS NOT NULL THEN
    RETURN greatest(wait, 1);
  END IF;
  INSERT INTO "LoginThrottle" (key, failures, "windowStartsAt")
    SELECT k, 0, at FROM unnest(keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
  PERFORM 1 FROM "LoginThrottle" WHERE key = ANY(keys) ORDER BY key FOR UPDATE;
  SELECT ceil(extract(epoch FROM max("lockedUntil") - at))::INT INTO wait
    FROM "LoginThrottle" WHERE key = ANY(keys) AND "lockedUntil" > at;
  IF wait IS NOT NULL THEN
    RETURN greatest(wait, 1);
  END IF;
  UPDATE "LoginThrottle" AS t SET
    failures = counted.attempts,
    "windowStartsAt" = counted.window_start,
    "lockedUntil" = CASE WHEN counted.attempts >= counted.lim THEN at + make_interval(secs => counted.penalty) END
  FROM (
    SELECT p.key, p.lim, p.penalty,
      CASE WHEN r."windowStartsAt" <= at - make_interval(secs => window_seconds) THEN 1 ELSE r.failures + 1 END AS attempts,
      CASE WHEN r."windowStartsAt" <= at - make_interval(secs => window_seconds) THEN at ELSE r."windowStartsAt" END AS window_start
    FROM unnest(keys, limits, penalty_seconds) AS p(key, lim, penalty)
    JOIN "LoginThrottle" AS r ON r.key = p.key
  ) AS counted
  WHERE t.key = counted.key;
  RETURN 0;
END $$;

-- A right password: the attempt no longer counts against the shared keys, and
-- the account+address key (`forget`) starts afresh.
CREATE FUNCTION login_attempt_succeeded(keys TEXT[], limits INT[], forget TEXT, window_seconds INT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "LoginThrottle" WHERE key = ANY(keys) OR key = forget ORDER BY key FOR UPDATE;
  UPDATE "LoginThrottle" AS t SET
    failures = greatest(t.failures - 1, 0),
    "lockedUntil" = CASE WHEN t.failures - 1 >= p.lim THEN t."lockedUntil" END
  FROM unnest(keys, limits) AS p(key, lim)
  WHERE t.key = p.key;
  DELETE FROM "LoginThrottle" WHERE key = forget;
  -- Counters whose window and penalty are both over say nothing any more: forget a few each time.
  DELETE FROM "LoginThrottle" WHERE key IN (
    SELECT key FROM "LoginThrottle"
    WHERE "windowStartsAt" < now() AT TIME ZONE 'UTC' - make_interval(secs => window_seconds)
      AND ("lockedUntil" IS NULL OR "lockedUntil" <= now() AT TIME ZONE 'UTC')
    ORDER BY "windowStartsAt" LIMIT 100 FOR UPDATE SKIP LOCKED);
END $$;
