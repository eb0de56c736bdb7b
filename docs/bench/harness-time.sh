#!/usr/bin/env bash
# Challenge harness at concurrency 100 (brew data) against --workers 0, 1, 2, 3 (memory) and 0, 3 (sqlite), interleaved, 3 rounds.
set -u
NODE=/work/main/node_modules/node/bin/node
OUT=/tmp/harness-time.jsonl; : > $OUT
port=19400
for round in 1 2 3; do
 for cfg in "0 memory" "1 memory" "2 memory" "3 memory" "0 sqlite" "3 sqlite"; do
  set -- $cfg; w=$1; store=$2
  port=$((port+1)); dir=$(mktemp -d)
  $NODE /work/main/apps/server/dist/pkgindex.js serve --host 127.0.0.1 --port $port --admin-port 0 --workers $w --store $store --data-dir $dir --log-level warn >/dev/null 2>&1 &
  spid=$!
  for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  t0=$(date +%s.%N)
  $NODE /work/main/apps/harness/dist/cli.js --port $port --concurrency 100 --seed $round --data /work/shared/data/brew-dependencies.txt --json >/tmp/harness-last.json 2>/dev/null; rc=$?
  t1=$(date +%s.%N)
  cpu=$(awk '{print $14+$15}' /proc/$spid/stat)
  echo "{\"round\":$round,\"workers\":$w,\"store\":\"$store\",\"rc\":$rc,\"seconds\":$(echo "$t1 - $t0" | bc),\"server_cpu_ticks\":$cpu}" >> $OUT
  kill -TERM $spid; wait $spid 2>/dev/null; rm -rf $dir
 done
done
echo done
