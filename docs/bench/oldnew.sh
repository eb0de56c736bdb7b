#!/usr/bin/env bash
# Interleaved old (c8cf49e) vs new (main) pkgindex, Go loadgen, memory store.
set -u
NODE=/work/main/node_modules/node/bin/node
[ -x "$NODE" ] || NODE=$(ls /work/main/node_modules/.pnpm/node@*/node_modules/node/bin/node | head -1)
DATA=/work/shared/data/brew-dependencies.txt
OUT=/tmp/oldnew2.jsonl; : > $OUT
port=19200
for round in 1 2 3; do
 for load in "100 1" "100 8"; do
  set -- $load; c=$1; d=$2
  for cfg in newlocal:3 new:3 new:0 old:3 old:0; do
   build=${cfg%%:*}; w=${cfg##*:}
   {
    if [ $build = old ]; then dir=/work/wt-old; else dir=/work/main; fi
    extra=""; [ $build = new ] && extra="--reads owner"
    port=$((port+1))
    $NODE $dir/apps/server/dist/pkgindex.js serve --host 127.0.0.1 --port $port --admin-port 0 --workers $w --store memory --log-level warn $extra >/dev/null 2>&1 &
    spid=$!
    for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    res=$(/tmp/loadgen -addr 127.0.0.1:$port -c $c -depth $d -d 3s -mix mixed -data $DATA -pid $spid)
    echo "{\"round\":$round,\"build\":\"$build\",\"workers\":$w,\"c\":$c,\"d\":$d,\"reads\":\"${extra:+owner}\",\"r\":$res}" >> $OUT
    kill -TERM $spid; wait $spid 2>/dev/null
   }
   done
  done
 done
echo done
