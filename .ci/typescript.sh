#!/usr/bin/env bash
# A TypeScript client generated from the committed spec (openapi-typescript) can express
# what the API takes: a PATCH of one field, null to clear, a required title on create.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${TS_CHECK_DIR:-.ci/.ts}
mkdir -p "$DIR"
if [ ! -x "$DIR/node_modules/.bin/tsc" ]; then
  (cd "$DIR" && npm install --silent --no-audit --no-fund openapi-typescript@7 typescript@5)
fi
"$DIR/node_modules/.bin/openapi-typescript" openapi/openapi.json -o "$DIR/newsdesk.ts" >/dev/null
cp .ci/typescript/patch.ts "$DIR/patch.ts"
"$DIR/node_modules/.bin/tsc" --strict --noEmit --target es2022 --module es2022 \
  --moduleResolution bundler "$DIR/patch.ts"
echo "typescript: the generated client expresses PATCH, null and required fields"
