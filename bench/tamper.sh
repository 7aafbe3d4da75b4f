#!/usr/bin/env bash
# The filter-change log against someone who can write the store but not the log key: a log of
# 1,000 signed records entered through the core, then each way of tampering with it that SQLite's
# own shell allows (an edit with the hash chain recomputed, an insertion, a deletion, the tail cut
# off, a forged record, an older copy put back, the file emptied), each checked by the real
# `caretaker assess verify --head COUNT:HASH` with the head published before, and without it.
# Prints the table and "caught given the published head: N of 7"; exits non-zero unless 7 of 7.
# The same test runs with the others (`cargo test --test cli tamper::`). Needs sqlite3.
#
#   bench/tamper.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell: apt-get install sqlite3" >&2; exit 1; }
cargo test --quiet --test cli -- --exact tamper::every_way_of_rewriting_the_log_is_caught_given_the_published_head --nocapture 2>&1 |
  sed -n '/^tampering/,/^caught given/p;/FAILED\|panicked/p'
test "${PIPESTATUS[0]}" -eq 0
