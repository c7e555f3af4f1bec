#!/usr/bin/env bash
# Source checks that `make test` runs before the tests.
# - No `precondition`/`assert` in Sources: release builds (which `make test` and `make demo` use) drop their messages,
#   so a misuse would stop with a bare "Illegal instruction". Checks go through `require(_:_:)` (fatalError).
set -u
cd "$(dirname "$0")/.."
found=$(grep -rnP '^(?!\s*//).*\b(precondition|preconditionFailure|assert|assertionFailure)\(' Sources --include='*.swift')
if [ -n "$found" ]; then
  echo "lint: use require(_:_:) or fatalError, which print their message in release builds too:" >&2
  echo "$found" >&2
  exit 1
fi
echo "lint: passed"
