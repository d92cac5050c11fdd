#!/usr/bin/env bash
# Backup benchmark (issue 15, C31/C32): a Vigie database of about
# BACKUP_BENCH_MB (default 1024) on SQLite and on PostgreSQL, backed
# up by `vigie backup run` (snapshot, zstd, age, send, rotation, restore
# test) to a directory and to a real S3 server on loopback (s3s-fs), timed
# end to end with its peak memory; then restic 0.14 (Debian) backing up
# the same database file (SQLite) or the same pg_dump (PostgreSQL) to the
# same kind of target, and restoring it. Prints one line per run.
#
#   bash scripts/bench_backup.sh            # 1 GiB
#   BACKUP_BENCH_MB=100 bash scripts/bench_backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

mb=${BACKUP_BENCH_MB:-1024}
pg_admin=${VIGIE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
s3s=${VIGIE_TEST_S3_SERVER:-$HOME/.cache/vigie-ci/s3s-fs/bin/s3s-fs}
command -v restic >/dev/null || apt-get install -y restic >/dev/null
cargo build --release -p vigie >/dev/null 2>&1
vigie=$PWD/target/release/vigie

work=$(mktemp -d)
pgdb="vigie_bench_backup_$$"
trap 'kill "$s3pid" 2>/dev/null || true; psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/s3/vigie" "$work/s3/restic"
"$s3s" --host 127.0.0.1 --port 18014 --access-key bench --secret-key bench-secret "$work/s3" >/dev/null 2>&1 &
s3pid=$!
sleep 1

"$vigie" backup keygen >"$work/id.txt" 2>"$work/keygen.err" || { cat "$work/keygen.err"; exit 1; }
recipient=$(grep -o 'age1[a-z0-9]*' "$work/id.txt")

config() { # backend data_dir database_url target(dir|s3)
  cat <<TOML
data_dir = "$2"
database_url = "$3"
log = "warn"
[backup]
recipients = ["$recipient"]
identity_file = "$work/id.txt"
keep_daily = 1
TOML
  if [ "$4" = dir ]; then
    printf '[[backup.targets]]\nkind = "directory"\nname = "partage"\npath = "%s"\n' "$work/share-$1"
  else
    printf '[[backup.targets]]\nkind = "s3"\nname = "s3"\nendpoint = "http://127.0.0.1:18014"\nbucket = "vigie"\naccess_key_id = "bench"\nsecret_access_key = "bench-secret"\nprefix = "%s"\nallow_http = true\n' "$1"
  fi
}

# `vigie backup run` without the restore test (its time is the RTO, apart).
vigie_run() { # label config bytes_in where_on_target
  sed '/^identity_file/d' "$2" >"$2.norestore"
  read -r s k < <(measure "$vigie" --config "$2.norestore" backup run)
  report "$1" "$s" "$k" "$3" "$(du -cb $4 | tail -1 | cut -f1)"
}

vigie_rto() { # label config
  read -r s k < <(measure "$vigie" --config "$2" backup test)
  echo "  $1: $("$vigie" --config "$2" backup list | head -1 | grep -o 'in [0-9]* ms'), peak $((k / 1024)) MiB (whole command ${s} s)"
}

# Rows of outbox messages: French text with a random part, about 1 KiB each.
rows=$((mb * 1024))
fill_sql="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO outbox (tenant_id, recipient, subject, body, created_at, next_attempt_at, sent_at)
SELECT NULL, 'agent' || i || '@mairie-exemple.fr', 'Votre demande d''accès ' || i,
  'Bonjour, nous avons bien reçu votre demande d''exercice de vos droits. Référence ' || hex(randomblob(200)) || '. Le délégué à la protection des données vous répondra dans un délai d''un mois. Cordialement.',
  1700000000000000 + i, 1700000000000000 + i, 1700000000000000 + i FROM n;"

measure() { # command...: prints its seconds and peak resident KiB
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  tail -1 "$work/time"
}

report() { # label seconds kib bytes_in bytes_on_target
  awk -v l="$1" -v s="$2" -v k="$3" -v i="$4" -v o="$5" \
    'BEGIN { printf "%-52s %7.1f s  %7.1f MB/s  peak %6.0f MiB  %8.1f MB -> %8.1f MB\n", l, s, i / s / 1e6, k / 1024, i / 1e6, o / 1e6 }'
}

echo "== SQLite, about $mb MB"
mkdir -p "$work/sq"
config sqlite "$work/sq" "sqlite://$work/sq/vigie.db" dir >"$work/sq-dir.toml"
config sqlite "$work/sq" "sqlite://$work/sq/vigie.db" s3 >"$work/sq-s3.toml"
"$vigie" --config "$work/sq-dir.toml" migrate >/dev/null
sqlite3 "$work/sq/vigie.db" "$fill_sql"
in=$(stat -c %s "$work/sq/vigie.db")
vigie_run "vigie backup run, to a directory" "$work/sq-dir.toml" "$in" "$work/share-sqlite/*.age"
vigie_rto "restore test (RTO), from the directory" "$work/sq-dir.toml"
vigie_run "vigie backup run, to S3" "$work/sq-s3.toml" "$in" "$work/s3/vigie/sqlite/*.age"
export RESTIC_PASSWORD=bench AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
restic -q -r "$work/restic-dir" init
read -r s k < <(measure restic -q -r "$work/restic-dir" backup "$work/sq/vigie.db")
report "restic 0.14 backup, same file, to a directory" "$s" "$k" "$in" "$(du -sb "$work/restic-dir" | cut -f1)"
restic -q -r "s3:http://127.0.0.1:18014/restic" init
read -r s k < <(measure restic -q -r "s3:http://127.0.0.1:18014/restic" backup "$work/sq/vigie.db")
report "restic 0.14 backup, same file, to S3" "$s" "$k" "$in" "$(du -sb "$work/s3/restic" | cut -f1)"
read -r s k < <(measure restic -q -r "$work/restic-dir" restore latest --target "$work/restic-restore")
report "restic 0.14 restore from the directory" "$s" "$k" "$in" "$in"
rm -rf "$work/restic-restore" "$work/restic-dir"

echo "== PostgreSQL, about $mb MB"
psql -q "$pg_admin" -c "CREATE DATABASE $pgdb"
pgurl="${pg_admin%/*}/$pgdb"
mkdir -p "$work/pg"
config postgres "$work/pg" "$pgurl" dir >"$work/pg-dir.toml"
config postgres "$work/pg" "$pgurl" s3 >"$work/pg-s3.toml"
"$vigie" --config "$work/pg-dir.toml" migrate >/dev/null
psql -q "$pgurl" -c "INSERT INTO outbox (tenant_id, recipient, subject, body, created_at, next_attempt_at, sent_at)
  SELECT NULL, 'agent' || i || '@mairie-exemple.fr', 'Votre demande d''accès ' || i,
  'Bonjour, nous avons bien reçu votre demande d''exercice de vos droits. Référence ' || encode(decode(md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex'), 'hex') || '. Cordialement.',
  1700000000000000 + i, 1700000000000000 + i, 1700000000000000 + i FROM generate_series(1, $rows) i"
in=$(psql -tA "$pgurl" -c "SELECT pg_database_size(current_database())")
vigie_run "vigie backup run (pg_dump), to a directory" "$work/pg-dir.toml" "$in" "$work/share-postgres/*.age"
vigie_rto "restore test (RTO, pg_restore into a scratch database)" "$work/pg-dir.toml"
vigie_run "vigie backup run (pg_dump), to S3" "$work/pg-s3.toml" "$in" "$work/s3/vigie/postgres/*.age"
read -r s k < <(measure pg_dump --format=custom --compress=0 --file="$work/dump" "$pgurl")
dump=$(stat -c %s "$work/dump")
report "pg_dump alone (the dump restic gets)" "$s" "$k" "$in" "$dump"
restic -q -r "$work/restic-dir" init
read -r s k < <(measure restic -q -r "$work/restic-dir" backup "$work/dump")
report "restic 0.14 backup of the dump, to a directory" "$s" "$k" "$dump" "$(du -sb "$work/restic-dir" | cut -f1)"
restic -q -r "s3:http://127.0.0.1:18014/restic" backup "$work/dump" >/dev/null
read -r s k < <(measure restic -q -r "$work/restic-dir" restore latest --target "$work/restic-restore")
report "restic 0.14 restore of the dump (no pg_restore)" "$s" "$k" "$dump" "$dump"
