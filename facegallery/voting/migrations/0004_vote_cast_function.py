"""voting_vote_cast(): vote_cast (services.py) as one PL/pgSQL function, for the lean vote path.

One call is one statement and, in autocommit, one transaction: the lean path
(voting/lean.py) reaches PostgreSQL once per vote instead of seven times (health check,
lock, voter, insert, update, commit). It follows vote_cast step by step, in the same order
and with the same locks, so the two can run side by side on the same faces:

1. blocked (voter, IP hash, prefix)? -> 'blocked'; lock the visible face (FOR NO KEY
   UPDATE, as _lock_visible_face) or 'not_found';
2. the voter's track record (voters.voter_touch): one UPDATE; a voter without a row is
   registered within the prefix's cap of new voters (advisory lock, moving hour), or
   'new_voters' with the seconds to wait; nothing is written before these refusals;
3. the vote: INSERT ... ON CONFLICT DO NOTHING, counted when trusted and under the
   per-face prefix cap; else the existing vote: voided or the same label changes nothing,
   another label keeps its `counted`;
4. the counters and the ranking columns (gallery/ranking.py, the same floating-point
   operations in the same order, so the values are bit for bit Python's) in one UPDATE.

The settings (caps, ages) are arguments, so they stay in settings.py. The caller enqueues
voter_votes_vouch when just_established is true (the vote that established the voter).
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION voting_wilson_lower_bound(positive integer, total integer)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    z CONSTANT double precision := '1.959963984540054'::double precision;
    z2 double precision := z * z;
    share double precision;
    centre double precision;
    margin double precision;
BEGIN
    IF total <= 0 THEN
        RETURN 0.0;
    END IF;
    share := positive::double precision / total::double precision;
    centre := share + z2 / (2 * total)::double precision;
    margin := z * sqrt((share * (1 - share) + z2 / (4 * total)::double precision)
                       / total::double precision);
    RETURN (centre - margin) / (1 + z2 / total::double precision);
END $$;

CREATE OR REPLACE FUNCTION voting_controversy(interesting integer, boring integer)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF interesting <= 0 OR boring <= 0 THEN
        RETURN 0.0;
    END IF;
    RETURN power((interesting + boring)::double precision,
                 least(interesting, boring)::double precision
                 / greatest(interesting, boring)::double precision);
END $$;

CREATE OR REPLACE FUNCTION voting_vote_cast(
    p_face bigint, p_voter text, p_label text, p_ip text, p_prefix text,
    p_since timestamptz,        -- the ticket's issue time; NULL: vouched for (established)
    p_now timestamptz,
    p_cap integer,              -- VOTE_COUNTED_PER_FACE_PREFIX
    p_established_votes integer, p_established_age interval,
    p_human_gap interval, p_fast_share integer,
    p_new_voters integer, p_new_voter_window interval,
    OUT o_outcome text,         -- 'ok', 'blocked', 'not_found', 'new_voters'
    OUT o_retry_after integer,  -- 'new_voters': seconds until the prefix has room
    OUT o_interesting integer, OUT o_boring integer,
    OUT o_changed boolean, OUT o_counted boolean, OUT o_pending boolean,
    OUT o_just_established boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_interesting integer;
    v_boring integer;
    v_established timestamptz;
    v_trusted boolean := true;
    v_earlier bigint;
    v_first timestamptz;
    v_newcomers bigint;
    v_oldest timestamptz;
    v_counted boolean;
    v_vote record;
    d_interesting integer := 0;
    d_boring integer := 0;
BEGIN
    o_outcome := 'ok';
    o_changed := false;
    o_counted := false;
    o_pending := false;
    o_just_established := false;

    -- 1. Blocks and the face's row lock (services._lock_visible_face).
    IF EXISTS (SELECT 1 FROM voting_block b WHERE (b.kind = 'voter' AND b.value = p_voter)
               OR (p_ip <> '' AND b.kind = 'ip_hash' AND b.value = p_ip)
               OR (p_prefix <> '' AND b.kind = 'prefix' AND b.value = p_prefix)) THEN
        o_outcome := 'blocked';
        RETURN;
    END IF;
    SELECT f.interesting_count, f.boring_count INTO v_interesting, v_boring
        FROM gallery_face f WHERE f.id = p_face AND f.status = 1 FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        o_outcome := 'not_found';
        RETURN;
    END IF;

    -- 2. The voter's standing (voters.voter_touch, _touch, _register, _new_voter_check).
    IF p_since IS NOT NULL AND left(p_voter, 5) = 'anon:' THEN
        FOR attempt IN 1..2 LOOP
            UPDATE voting_voter r SET
                votes_cast = r.votes_cast + 1,
                fast_votes = r.fast_votes
                    + CASE WHEN p_now - r.last_vote_at < p_human_gap THEN 1 ELSE 0 END,
                last_vote_at = p_now,
                established_at = COALESCE(r.established_at, CASE WHEN
                    r.votes_cast + 1 >= p_established_votes
                    AND p_now - r.first_vote_at >= p_established_age
                    AND (r.fast_votes + CASE WHEN p_now - r.last_vote_at < p_human_gap
                         THEN 1 ELSE 0 END) * p_fast_share <= r.votes_cast + 1
                    THEN p_now END)
            WHERE r.key = p_voter RETURNING r.established_at INTO v_established;
            EXIT WHEN FOUND;
            IF attempt = 2 THEN
                RAISE EXCEPTION 'voter % has no row after its registration', p_voter;
            END IF;
            SELECT count(*), min(v.created) INTO v_earlier, v_first
                FROM voting_vote v WHERE v.voter = p_voter;
            IF v_earlier = 0 AND p_prefix <> '' THEN
                PERFORM pg_advisory_xact_lock(hashtextextended(p_prefix, 7));
                SELECT count(*), min(r.first_vote_at) INTO v_newcomers, v_oldest
                    FROM voting_voter r
                    WHERE r.ip_prefix_hash = p_prefix
                      AND r.first_vote_at > p_now - p_new_voter_window;
                IF v_newcomers >= p_new_voters THEN
                    o_outcome := 'new_voters';
                    o_retry_after := ceil(extract(epoch FROM
                        v_oldest + p_new_voter_window - p_now))::integer;
                    RETURN;
                END IF;
            END IF;
            INSERT INTO voting_voter (key, ip_prefix_hash, minted_at, first_vote_at,
                                      last_vote_at, votes_cast, fast_votes)
                VALUES (p_voter, p_prefix, least(p_since, p_now), coalesce(v_first, p_now),
                        p_now - p_human_gap, v_earlier, 0)
                ON CONFLICT (key) DO NOTHING;
        END LOOP;
        v_trusted := v_established IS NOT NULL;
        o_just_established := coalesce(v_established = p_now, false);
    END IF;

    -- 3. The vote (services._vote_insert_new, then the existing vote).
    INSERT INTO voting_vote AS n (face_id, voter, label, ip_hash, ip_prefix_hash, created,
                                  updated, voided, counted, trusted)
        SELECT p_face, p_voter, p_label, p_ip, p_prefix, p_now, p_now, false,
               v_trusted AND (p_prefix = '' OR (
                   SELECT count(*) < p_cap FROM voting_vote w
                   WHERE w.face_id = p_face AND w.ip_prefix_hash = p_prefix
                     AND w.counted AND NOT w.voided)),
               v_trusted
        ON CONFLICT (face_id, voter) DO NOTHING
        RETURNING n.counted INTO v_counted;
    IF FOUND THEN
        o_changed := true;
        o_counted := v_counted;
        o_pending := NOT v_trusted;
        IF v_counted THEN
            d_interesting := (p_label = 'interesting')::integer;
            d_boring := (p_label = 'boring')::integer;
        END IF;
    ELSE
        -- The face lock is held: the vote cannot change or vanish before this update.
        SELECT v.id, v.label, v.voided, v.counted, v.trusted INTO v_vote
            FROM voting_vote v WHERE v.face_id = p_face AND v.voter = p_voter;
        o_pending := NOT v_vote.trusted;
        IF v_vote.voided OR v_vote.label = p_label THEN
            o_counted := v_vote.counted AND NOT v_vote.voided;
        ELSE
            IF v_vote.counted THEN
                d_interesting := (p_label = 'interesting')::integer
                                 - (v_vote.label = 'interesting')::integer;
                d_boring := (p_label = 'boring')::integer - (v_vote.label = 'boring')::integer;
            END IF;
            UPDATE voting_vote v SET label = p_label, updated = p_now WHERE v.id = v_vote.id;
            o_changed := true;
            o_counted := v_vote.counted;
        END IF;
    END IF;

    -- 4. Counters and ranking columns (services._apply), only when they move.
    o_interesting := v_interesting + d_interesting;
    o_boring := v_boring + d_boring;
    IF d_interesting <> 0 OR d_boring <> 0 THEN
        UPDATE gallery_face f SET
            interesting_count = o_interesting,
            boring_count = o_boring,
            wilson_interesting = voting_wilson_lower_bound(o_interesting, o_interesting + o_boring),
            wilson_boring = voting_wilson_lower_bound(o_boring, o_interesting + o_boring),
            controversy = voting_controversy(o_interesting, o_boring)
        WHERE f.id = p_face;
    END IF;
END $$;
"""

DROP = r"""
DROP FUNCTION IF EXISTS voting_vote_cast(bigint, text, text, text, text, timestamptz,
    timestamptz, integer, integer, interval, interval, integer, integer, interval);
DROP FUNCTION IF EXISTS voting_controversy(integer, integer);
DROP FUNCTION IF EXISTS voting_wilson_lower_bound(integer, integer);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0003_vote_indexes_concurrently"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
