# What the benchmarks over a filled store share; sourced, not run.

# bench_store NAME: sets d to a fresh directory (/tmp/caretaker-NAME-bench-XXXXXX) holding the
# caretaker.toml (0600) of a school whose store is $d/caretaker.db. The directory is removed on
# exit, unless KEEP=1 (then its path is printed).
bench_store() {
  d=$(mktemp -d "/tmp/caretaker-$1-bench-XXXXXX")
  trap '[ -n "${KEEP:-}" ] && echo "kept $d" || rm -rf "$d"' EXIT
  printf 'version = 1\n[school]\nname = "Benchmark Academy"\n[store]\npath = "caretaker.db"\n' > "$d/caretaker.toml"
  chmod 600 "$d/caretaker.toml"
}
