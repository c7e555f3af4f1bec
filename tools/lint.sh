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
# - README.md's Swift examples are compiled and run by Tests/TrainingTests/ReadmeExamplesTests.swift: each ```swift
#   block's code lines (not blank, `import` or `//` lines; indentation ignored) must appear there in one run, in order.
#   A block whose first line is `// Sources/….swift` shows that source file instead, and must equal it byte for byte.
readme_test=Tests/TrainingTests/ReadmeExamplesTests.swift
missing=$(awk -v test="$readme_test" '
  function code(line) { sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
                        return (line == "" || line ~ /^import / || line ~ /^\/\//) ? "" : line }
  BEGIN { while ((getline l < test) > 0) if ((c = code(l)) != "") body = body c "\n" }
  /^```swift/ { inside = 1; block = ""; raw = ""; file = ""; first = 1; start = NR; next }
  /^```/ && inside {
    inside = 0
    if (file != "") {
      whole = ""; while ((getline l < file) > 0) whole = whole l "\n"; close(file)
      if (whole != raw) print "README.md:" start " (differs from " file ")"
    } else if (index(body, block) == 0) print "README.md:" start
    next
  }
  inside && first && $0 ~ /^\/\/ Sources\/[^ ]+\.swift$/ { file = substr($0, 4); first = 0; next }
  inside { first = 0; raw = raw $0 "\n"; if (code($0) != "") block = block code($0) "\n" }
' README.md)
if [ -n "$missing" ]; then
  echo "lint: README Swift blocks not run verbatim by $readme_test (copy them there, and check what they print):" >&2
  echo "$missing" >&2
  exit 1
fi
echo "lint: passed"
