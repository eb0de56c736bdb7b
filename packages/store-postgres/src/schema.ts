// The PostgreSQL schema, as migrations. Every object lives in the schema
// `pkgindex`, so the index can share a database with other applications
// without any name colliding with theirs (a `packages` table is a likely
// name elsewhere), and every statement names it explicitly instead of
// depending on the session's search_path.

/** Schema version this code writes and understands. Bump it with each migration. */
export const SCHEMA_VERSION = 2;

/** The PostgreSQL schema (namespace) holding every pkgindex object. */
export const PG_SCHEMA = "pkgindex";

/**
 * Key of the transaction-level advisory lock that serializes every writer of
 * the index on every node (and the migrations at start-up). It is "pkgindex"
 * in ASCII read as a big-endian int64, so it is unlikely to collide with
 * another application's advisory locks in the same database.
 */
export const WRITER_LOCK_KEY = "8101771504453723512"; // 0x706b67696e646578

/**
 * The channel every write that records changes notifies at its COMMIT
 * (payload: the revision it reached), so that a node's change feed reads the
 * new rows at once instead of polling for them.
 */
export const CHANGES_CHANNEL = "pkgindex_changes";

// A name is 1-255 bytes of printable ASCII other than `|` and `,` (DESIGN.md
// §2). The same class is used by the CHECK constraint and by the line
// regular expression of pkgindex.apply.
const NAME_CLASS = String.raw`[\u0021-\u002B\u002D-\u007B\u007D\u007E]`;
const NAME = `${NAME_CLASS}{1,255}`;
// The same rule in the form version 2 checks it: a run of the class, with
// the 255-byte bound as a length test. PostgreSQL's regular expression
// engine expands a bounded repetition into a state per count, and a line
// with three of them (name, and a dependency repeated) cost tens of
// microseconds to match, more than all the rest of a QUERY line.
const NAME_RUN = `${NAME_CLASS}+`;

/**
 * pkgindex.apply as of the current version, created by the newest migration
 * that changes it (migration 1, schema version 2). Migrations already
 * applied somewhere are never edited, so version 1's form stays in
 * migration 0 (bench/line-cost.ts measures it against this one).
 */
const APPLY_FUNCTION = String.raw`
-- Applies one batch of protocol lines, in order, and returns one reply code
-- per line as a character: '0' OK, '1' FAIL, '2' ERROR (REPLY_OK/FAIL/ERROR
-- of @pkgindex/protocol). Lines are separated by '\n'; one trailing '\n' is
-- allowed. Semantics: DESIGN.md §2.
--
-- keep_revisions / keep_millis: the change history kept (--feed-retention),
-- pruned in the same transaction as the changes are written; NULL keeps all.
-- A batch that records changes notifies ${CHANGES_CHANNEL} with the revision
-- it reached (PostgreSQL delivers it at COMMIT, in commit order).
--
-- Called in autocommit (SELECT pkgindex.apply(...)), so one call is one
-- transaction: the batch commits whole or not at all.
--
-- Every FAIL comes from an explicit check; there is no EXCEPTION block, so
-- no subtransaction per command (past 64 in one transaction PostgreSQL's
-- subtransaction cache overflows and everything slows). An exception raised
-- here (a caller bug, a constraint the checks missed) fails the whole batch.
--
-- Since version 2 pkgindex.apply does its per-line work only where a line
-- needs it. Version 1 ran every line through the plpgsql loop, with a statement
-- (an SPI call and a plan) per line even for a QUERY, about 0.1 ms a QUERY
-- line on a busy 2-core machine; a client pipelining thousands of QUERYs
-- outran any reasonable time bound. Now one statement splits and parses the
-- whole batch, and answers in that same statement every QUERY whose name no
-- earlier line of the batch writes: only INDEX X and REMOVE X change whether
-- X is indexed, so such a QUERY's answer is the state at the statement's
-- snapshot, which (taken after the writer lock when the batch writes)
-- nothing but this batch changes until COMMIT. The loop then visits only
-- INDEX and REMOVE lines and the QUERYs of a name written earlier in the
-- batch, in order, and reuses the looked-up id of a name not written
-- earlier. Same arguments, replies, revisions and locking as version 1.
CREATE FUNCTION pkgindex.apply(
  batch text,
  allow_cycles boolean DEFAULT false,
  keep_revisions bigint DEFAULT NULL,
  keep_millis bigint DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
  codes      text[];    -- one reply code per line; NULL until the loop fills it
  -- The lines left to the loop, in batch order: position, command, name,
  -- dependency text, the name's id at the parse (or NULL), and whether an
  -- earlier line of the batch writes that name (then that id may be stale).
  todo_at    integer[];
  todo_cmd   text[];
  todo_name  text[];
  todo_deps  text[];
  todo_id    bigint[];
  todo_stale boolean[];
  k          integer;
  at_line    integer;
  cmd        text;
  pname      text;
  dep_names  text[];
  pid        bigint;
  new_ids    bigint[];
  old_ids    bigint[];
  added      bigint[];
  found_n    integer;
  rev        bigint;
  changed    bigint := 0;
  stamp      timestamptz;
BEGIN
  -- READ COMMITTED only: every statement below takes a new snapshot, so
  -- after the lock each sees everything the previous lock holder committed.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'pkgindex.apply needs READ COMMITTED, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  IF batch = '' THEN
    RETURN '';
  END IF;
  IF right(batch, 1) = E'\n' THEN
    batch := left(batch, -1);
  END IF;

  -- The writer lock, as in version 1: taken before the first read of a
  -- batch that can write (a line starting INDEX| or REMOVE|), held until
  -- COMMIT; a batch of QUERYs only takes none.
  IF batch ~ '(^|\n)(INDEX|REMOVE)\|' THEN
    PERFORM pg_advisory_xact_lock(${WRITER_LOCK_KEY});
    SELECT m.revision INTO rev FROM pkgindex.meta m;
    -- One time for the batch's changes, never before the last one recorded:
    -- revisions and times then grow together (the clock may step back), so
    -- pruning by age removes a prefix of the history, never a hole in it.
    SELECT greatest(clock_timestamp(), max(c.at)) INTO stamp
      FROM (SELECT c2.at FROM pkgindex.changes c2 ORDER BY c2.revision DESC LIMIT 1) c;
  END IF;

  -- The whole protocol grammar in one expression per line (the engine
  -- validates lines before they get here; this keeps the function exact on
  -- its own). string_to_array('') is an empty array, but E'\n' is one
  -- (empty) line.
  -- A match only, then split_part: asking the regular expression for its
  -- groups makes PostgreSQL's engine dissect every match, several times
  -- slower than the yes/no answer.
  -- The 255-byte bound (NAME_RUN): a line of at most 262 bytes cannot hold
  -- a longer name (the shortest command, two '|' and a one-byte name leave
  -- at most 255 for the longest part); a longer line is split and measured.
  WITH split AS (
    SELECT s.n::integer AS l_at,
           CASE WHEN s.t ~ '^(INDEX|REMOVE|QUERY)\|${NAME_RUN}\|(${NAME_RUN}(,${NAME_RUN})*)?$'
                 AND (octet_length(s.t) <= 262
                      OR NOT EXISTS (SELECT FROM unnest(string_to_array(translate(s.t, '|', ','), ',')) part WHERE octet_length(part) > 255))
                THEN split_part(s.t, '|', 1) END AS l_cmd,
           split_part(s.t, '|', 2) AS l_name, split_part(s.t, '|', 3) AS l_deps
      FROM unnest(CASE WHEN batch = '' THEN ARRAY[''] ELSE string_to_array(batch, E'\n') END) WITH ORDINALITY AS s(t, n)
  ), parsed AS (
    SELECT split.*, p.id AS l_id,
           coalesce(bool_or(split.l_cmd <> 'QUERY') OVER (
             PARTITION BY split.l_name ORDER BY split.l_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS l_stale
      FROM split LEFT JOIN pkgindex.packages p ON p.name = split.l_name
  ), judged AS (
    -- l_todo: left to the loop (a valid line that writes, or a QUERY of a
    -- name written earlier). A malformed line has no command, but its
    -- split_part name may be one the batch writes: it is never left.
    SELECT parsed.*, (l_cmd IS NOT NULL AND (l_cmd <> 'QUERY' OR l_stale)) AS l_todo FROM parsed
  )
  SELECT array_agg(CASE
                     WHEN l_cmd IS NULL THEN '2'
                     WHEN l_cmd = 'QUERY' AND NOT l_stale THEN CASE WHEN l_id IS NULL THEN '1' ELSE '0' END
                   END ORDER BY l_at),
         array_agg(l_at ORDER BY l_at) FILTER (WHERE l_todo),
         array_agg(l_cmd ORDER BY l_at) FILTER (WHERE l_todo),
         array_agg(l_name ORDER BY l_at) FILTER (WHERE l_todo),
         array_agg(l_deps ORDER BY l_at) FILTER (WHERE l_todo),
         array_agg(l_id ORDER BY l_at) FILTER (WHERE l_todo),
         array_agg(l_stale ORDER BY l_at) FILTER (WHERE l_todo)
    INTO codes, todo_at, todo_cmd, todo_name, todo_deps, todo_id, todo_stale
    FROM judged;

  FOR k IN 1 .. coalesce(cardinality(todo_at), 0) LOOP
    at_line := todo_at[k];
    cmd := todo_cmd[k];
    pname := todo_name[k];
    IF todo_stale[k] THEN
      SELECT p.id INTO pid FROM pkgindex.packages p WHERE p.name = pname;
    ELSE
      pid := todo_id[k];
    END IF;

    IF cmd = 'QUERY' THEN
      codes[at_line] := CASE WHEN pid IS NULL THEN '1' ELSE '0' END;

    ELSIF cmd = 'REMOVE' THEN
      IF pid IS NULL THEN
        codes[at_line] := '0';
      ELSIF EXISTS (SELECT 1 FROM pkgindex.edges e WHERE e.dep = pid AND e.pkg <> pid) THEN
        codes[at_line] := '1';
      ELSE
        -- Own edges first, so a self-edge (cycles allowed) never meets the
        -- RESTRICT check, whatever order PostgreSQL fires the two
        -- foreign-key triggers in.
        DELETE FROM pkgindex.edges e WHERE e.pkg = pid;
        DELETE FROM pkgindex.packages p WHERE p.id = pid;
        changed := changed + 1;
        INSERT INTO pkgindex.changes (revision, command, name, deps, at) VALUES (rev + changed, 'REMOVE', pname, '', stamp);
        codes[at_line] := '0';
      END IF;

    ELSE -- INDEX
      IF todo_deps[k] = '' THEN
        dep_names := '{}';
      ELSE
        SELECT array_agg(DISTINCT d COLLATE "C" ORDER BY d COLLATE "C") INTO dep_names
          FROM unnest(string_to_array(todo_deps[k], ',')) d;
      END IF;
      SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}'), count(*) INTO new_ids, found_n
        FROM pkgindex.packages p WHERE p.name = ANY (dep_names);
      IF found_n < cardinality(dep_names) THEN
        codes[at_line] := '1'; -- a dependency is not indexed
        CONTINUE;
      END IF;
      IF pid IS NULL THEN
        -- A package that is not indexed has no dependents, so adding it
        -- cannot close a cycle: no check.
        INSERT INTO pkgindex.packages (name) VALUES (pname) RETURNING id INTO pid;
        INSERT INTO pkgindex.edges (pkg, dep) SELECT pid, d FROM unnest(new_ids) d;
      ELSE
        SELECT coalesce(array_agg(e.dep ORDER BY e.dep), '{}') INTO old_ids FROM pkgindex.edges e WHERE e.pkg = pid;
        IF old_ids = new_ids THEN
          codes[at_line] := '0'; -- unchanged: nothing written, no revision
          CONTINUE;
        END IF;
        SELECT coalesce(array_agg(d), '{}') INTO added FROM unnest(new_ids) d WHERE d <> ALL (old_ids);
        -- Only a dependency not already listed can close a cycle (see
        -- version 1): walk everything reachable from the added ones.
        IF NOT allow_cycles AND cardinality(added) > 0 AND (
          pid = ANY (added) OR EXISTS (
            WITH RECURSIVE reach (id) AS (
              SELECT unnest(added)
              UNION
              SELECT e.dep FROM pkgindex.edges e JOIN reach r ON e.pkg = r.id
            )
            SELECT 1 FROM reach WHERE reach.id = pid
          )
        ) THEN
          codes[at_line] := '1'; -- would close a cycle
          CONTINUE;
        END IF;
        DELETE FROM pkgindex.edges e WHERE e.pkg = pid AND e.dep <> ALL (new_ids);
        INSERT INTO pkgindex.edges (pkg, dep) SELECT pid, d FROM unnest(added) d;
      END IF;
      changed := changed + 1;
      INSERT INTO pkgindex.changes (revision, command, name, deps, at)
        VALUES (rev + changed, 'INDEX', pname, array_to_string(dep_names, ','), stamp);
      codes[at_line] := '0';
    END IF;
  END LOOP;

  IF changed > 0 THEN
    UPDATE pkgindex.meta SET revision = rev + changed;
    -- Retention, as the SQLite store prunes in each commit: by count a range
    -- delete on the primary key; by age a bounded walk from the oldest row.
    IF keep_revisions IS NOT NULL THEN
      DELETE FROM pkgindex.changes c WHERE c.revision <= rev + changed - keep_revisions;
    END IF;
    IF keep_millis IS NOT NULL THEN
      DELETE FROM pkgindex.changes c
       WHERE c.revision IN (SELECT c2.revision FROM pkgindex.changes c2 ORDER BY c2.revision LIMIT 1024)
         AND c.at < stamp - keep_millis * interval '1 millisecond';
    END IF;
    PERFORM pg_notify('${CHANGES_CHANNEL}', (rev + changed)::text);
  END IF;
  RETURN array_to_string(codes, '');
END;
$fn$;
`;

/**
 * Migration i (0-based) takes the schema from version i to version i + 1.
 * Each runs in the start-up transaction, after the writer lock is taken, so
 * concurrent node start-ups migrate once and no batch sees a half-migrated
 * schema.
 */
export const MIGRATIONS: readonly string[] = [
  String.raw`
-- Version 1.

-- A row means "indexed"; a name that is only mentioned has none. bigint
-- ids: a REMOVE and re-INDEX takes a new id, and 2^31 of those is days of
-- churn at a few thousand changes a second. The name
-- rule is checked here too, so nothing but a valid name is ever stored,
-- whoever writes. COLLATE "C": byte order, which is the protocol's own
-- (ASCII) order and the cheapest comparison for the unique index.
CREATE TABLE pkgindex.packages (
  id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text COLLATE "C" NOT NULL UNIQUE CHECK (name ~ '^${NAME}$')
);

-- pkg depends on dep. A package's own edges go with it (CASCADE); a package
-- something still depends on cannot be deleted (RESTRICT: checked at once,
-- not deferred to the end of the transaction). edges_dep serves both the
-- RESTRICT check and REMOVE's "does anything depend on it?".
CREATE TABLE pkgindex.edges (
  pkg bigint NOT NULL REFERENCES pkgindex.packages (id) ON DELETE CASCADE,
  dep bigint NOT NULL REFERENCES pkgindex.packages (id) ON DELETE RESTRICT,
  PRIMARY KEY (pkg, dep)
);
CREATE INDEX edges_dep ON pkgindex.edges (dep);

-- The current revision: the number of the last change applied. One row.
CREATE TABLE pkgindex.meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  revision  bigint NOT NULL CHECK (revision >= 0)
);
INSERT INTO pkgindex.meta (revision) VALUES (0);

-- Every change that altered the index, one revision each, gap-free and in
-- apply order (the change feed serves them). deps: the new dependency list,
-- de-duplicated and sorted, joined by ','; '' for none and for REMOVE/CLEAR.
-- CLEAR was written by version 1's replacing bulk load (everything removed);
-- from version 2 on a replacing load records one REMOVE per package.
CREATE TABLE pkgindex.changes (
  revision bigint PRIMARY KEY,
  command  text NOT NULL CHECK (command IN ('INDEX', 'REMOVE', 'CLEAR')),
  name     text COLLATE "C" NOT NULL,
  deps     text COLLATE "C" NOT NULL
);

-- Applies one batch of protocol lines, in order, and returns one reply code
-- per line as a character: '0' OK, '1' FAIL, '2' ERROR (REPLY_OK/FAIL/ERROR
-- of @pkgindex/protocol). Lines are separated by '\n'; one trailing '\n' is
-- allowed. Semantics: DESIGN.md §2.
--
-- Called in autocommit (SELECT pkgindex.apply(...)), so one call is one
-- transaction: the batch commits whole or not at all.
--
-- Every FAIL comes from an explicit check; there is no EXCEPTION block, so
-- no subtransaction per command (past 64 in one transaction PostgreSQL's
-- subtransaction cache overflows and everything slows). An exception raised
-- here (a caller bug, a constraint the checks missed) fails the whole batch.
CREATE FUNCTION pkgindex.apply(batch text, allow_cycles boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql
VOLATILE
AS $fn$
DECLARE
  lines      text[];
  line       text;
  parts      text[];
  cmd        text;
  pname      text;
  dep_names  text[];
  pid        bigint;
  new_ids    bigint[];
  old_ids    bigint[];
  added      bigint[];
  found_n    integer;
  codes      text := '';
  rev        bigint;
  changed    bigint := 0;
  locked     boolean := false;
BEGIN
  -- The writer lock is taken by the same statement snapshot rules as the
  -- reads below: under READ COMMITTED every statement of this function takes
  -- a new snapshot, so after the lock each one sees everything the previous
  -- lock holder committed. Under REPEATABLE READ or SERIALIZABLE the snapshot
  -- would predate the lock and the checks would read stale data.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'pkgindex.apply needs READ COMMITTED, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  IF batch = '' THEN
    RETURN '';
  END IF;
  IF right(batch, 1) = E'\n' THEN
    batch := left(batch, -1);
  END IF;
  -- string_to_array('') is an empty array, but E'\n' is one (empty) line.
  lines := CASE WHEN batch = '' THEN ARRAY[''] ELSE string_to_array(batch, E'\n') END;

  -- Writer serialization: one transaction-level advisory lock, taken before
  -- the first read of a batch that can write, held until COMMIT. Why not a
  -- row lock on pkgindex.meta (SELECT ... FOR UPDATE): locking a row writes
  -- the locker into the tuple, which gives the transaction an xid and so a
  -- commit record and a WAL flush even when the batch changes nothing (all
  -- FAILs, unchanged re-INDEXes). The advisory lock lives only in the lock
  -- manager. A batch of QUERYs only takes no lock: each QUERY is one read of
  -- committed data. See docs/DECISIONS.md.
  FOREACH line IN ARRAY lines LOOP
    IF left(line, 6) = 'INDEX|' OR left(line, 7) = 'REMOVE|' THEN
      PERFORM pg_advisory_xact_lock(${WRITER_LOCK_KEY});
      locked := true;
      EXIT;
    END IF;
  END LOOP;
  IF locked THEN
    SELECT m.revision INTO rev FROM pkgindex.meta m;
  END IF;

  FOREACH line IN ARRAY lines LOOP
    -- The whole protocol grammar in one expression (the engine validates
    -- lines before they get here; this keeps the function exact on its own).
    IF line !~ '^(INDEX|REMOVE|QUERY)\|${NAME}\|(${NAME}(,${NAME})*)?$' THEN
      codes := codes || '2';
      CONTINUE;
    END IF;
    parts := string_to_array(line, '|');
    cmd := parts[1];
    pname := parts[2];
    SELECT p.id INTO pid FROM pkgindex.packages p WHERE p.name = pname;

    IF cmd = 'QUERY' THEN
      codes := codes || CASE WHEN pid IS NULL THEN '1' ELSE '0' END;

    ELSIF cmd = 'REMOVE' THEN
      IF pid IS NULL THEN
        codes := codes || '0';
      ELSIF EXISTS (SELECT 1 FROM pkgindex.edges e WHERE e.dep = pid AND e.pkg <> pid) THEN
        codes := codes || '1';
      ELSE
        -- Own edges first, so a self-edge (cycles allowed) never meets the
        -- RESTRICT check, whatever order PostgreSQL fires the two
        -- foreign-key triggers in.
        DELETE FROM pkgindex.edges e WHERE e.pkg = pid;
        DELETE FROM pkgindex.packages p WHERE p.id = pid;
        changed := changed + 1;
        INSERT INTO pkgindex.changes (revision, command, name, deps) VALUES (rev + changed, 'REMOVE', pname, '');
        codes := codes || '0';
      END IF;

    ELSE -- INDEX
      IF parts[3] = '' THEN
        dep_names := '{}';
      ELSE
        SELECT array_agg(DISTINCT d COLLATE "C" ORDER BY d COLLATE "C") INTO dep_names
          FROM unnest(string_to_array(parts[3], ',')) d;
      END IF;
      SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}'), count(*) INTO new_ids, found_n
        FROM pkgindex.packages p WHERE p.name = ANY (dep_names);
      IF found_n < cardinality(dep_names) THEN
        codes := codes || '1'; -- a dependency is not indexed
        CONTINUE;
      END IF;
      IF pid IS NULL THEN
        -- A package that is not indexed has no dependents, so adding it
        -- cannot close a cycle: no check.
        INSERT INTO pkgindex.packages (name) VALUES (pname) RETURNING id INTO pid;
        INSERT INTO pkgindex.edges (pkg, dep) SELECT pid, d FROM unnest(new_ids) d;
      ELSE
        SELECT coalesce(array_agg(e.dep ORDER BY e.dep), '{}') INTO old_ids FROM pkgindex.edges e WHERE e.pkg = pid;
        IF old_ids = new_ids THEN
          codes := codes || '0'; -- unchanged: nothing written, no revision
          CONTINUE;
        END IF;
        SELECT coalesce(array_agg(d), '{}') INTO added FROM unnest(new_ids) d WHERE d <> ALL (old_ids);
        -- Only a dependency not already listed can close a cycle (without
        -- allow_cycles the graph is a DAG, so a path back through an old
        -- edge would already be one). Walk everything reachable from the
        -- added dependencies; UNION (not UNION ALL) ends the walk on cycles
        -- written while cycles were allowed, and EXISTS stops it at the
        -- first path back to the package.
        IF NOT allow_cycles AND cardinality(added) > 0 AND (
          pid = ANY (added) OR EXISTS (
            WITH RECURSIVE reach (id) AS (
              SELECT unnest(added)
              UNION
              SELECT e.dep FROM pkgindex.edges e JOIN reach r ON e.pkg = r.id
            )
            SELECT 1 FROM reach WHERE reach.id = pid
          )
        ) THEN
          codes := codes || '1'; -- would close a cycle
          CONTINUE;
        END IF;
        DELETE FROM pkgindex.edges e WHERE e.pkg = pid AND e.dep <> ALL (new_ids);
        INSERT INTO pkgindex.edges (pkg, dep) SELECT pid, d FROM unnest(added) d;
      END IF;
      changed := changed + 1;
      INSERT INTO pkgindex.changes (revision, command, name, deps)
        VALUES (rev + changed, 'INDEX', pname, array_to_string(dep_names, ','));
      codes := codes || '0';
    END IF;
  END LOOP;

  IF changed > 0 THEN
    UPDATE pkgindex.meta SET revision = rev + changed;
  END IF;
  RETURN codes;
END;
$fn$;
`,
  String.raw`
-- Version 2 (the change feed on PostgreSQL, issue 14; QUERYs answered by
-- one statement, issue 13).

-- When each change was applied, for retention by age. Rows of version 1 take
-- the migration's time (a constant default: no table rewrite); later ones
-- are stamped by their writer.
ALTER TABLE pkgindex.changes ADD COLUMN at timestamptz NOT NULL DEFAULT now();
ALTER TABLE pkgindex.changes ALTER COLUMN at SET DEFAULT clock_timestamp();

-- The same name rule without the bounded repetition (see NAME_RUN), so each
-- INDEX of a new package no longer pays for it in the CHECK. Equivalent
-- rule: every stored name passes the new check.
ALTER TABLE pkgindex.packages
  DROP CONSTRAINT packages_name_check,
  ADD CONSTRAINT packages_name_check CHECK (name ~ '^${NAME_RUN}$' AND octet_length(name) <= 255);

-- pkgindex.apply takes the retention, notifies, and answers most QUERYs in
-- one statement: the new function replaces version 1's (a caller of the
-- two-argument form reaches it, by its defaults).
DROP FUNCTION IF EXISTS pkgindex.apply(text, boolean);
${APPLY_FUNCTION}
`,
];
