#!/usr/bin/env bash
# The tests of `pnpm test`, after build, typecheck and lint: the whole suite,
# then the integration suite again with every `--store memory` server on a
# throwaway PostgreSQL (PKGINDEX_TEST_STORE=postgres; issue 13: "the whole
# existing integration suite passes with --store postgres"). The second run
# happens even when the first fails, so one CI run reports both; the status
# fails if either did. With PKGINDEX_TEST_REPORT each run writes its JSON
# report (the second beside the first, see vitest.config.ts) and .ci/run
# sums them into its one line. vitest is on PATH inside a pnpm script.
set -uo pipefail
vitest run
first=$?
PKGINDEX_TEST_STORE=postgres vitest run apps/server/test
second=$?
[ "$first" -eq 0 ] && [ "$second" -eq 0 ]
