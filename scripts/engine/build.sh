#!/usr/bin/env bash
# Build a local, offline-usable Pulumi engine from the Go module proxy, at the
# versions pinned in scripts/engine/versions.env, into .tools/engine/ (git-ignored):
#
#   bin/pulumi                     Pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi),
#                                  built through the wrapper module scripts/engine/cli/
#   bin/pulumi-language-python     Python language host (only if the proxy serves it)
#   bin/pulumi-resource-openstack  OpenStack provider 5.5.3, bridged here from terraform-provider-openstack
#                                  (scripts/engine/provider/; steps provider-sdk/src/tfgen/schema/bin)
#   src/                           build copies (provider module, patched terraform-plugin-sdk, tfgen)
#   pulumi-home/                   PULUMI_HOME (plugins, credentials)
#   state/                         file:// state backend used by the smoke test
#   gopath/ gocache/               GOPATH, GOMODCACHE and GOCACHE (reused between runs)
#   stamps/                        one stamp per component (idempotency)
#   env.sh                         `source` it to use this engine from a shell
#
# Idempotent: a component whose stamp matches its pinned inputs (and, for the
# provider, the hash of scripts/engine/provider/) is skipped, so a second run
# does no Go work and needs no network. Any failure exits 1 with one line. One line per component, with
# its time, is printed as "[engine] COMPONENT STATUS SECONDS".
#
# Usage: scripts/engine/build.sh [--no-smoke] [--retry-refused] [--update-cli-mod]
#   --no-smoke        skip the checks (pulumi version, plugin ls, smoke tests: an up/destroy
#                     without resources, then a preview of one OpenStack network)
#   --retry-refused   ask the proxy again for modules it refused earlier at the
#                     same pinned version (refusals are cached in stamps/)
#   --update-cli-mod  regenerate scripts/engine/cli/go.mod + go.sum for
#                     PULUMI_CLI_VERSION (copies pkg/v3's non-local replace
#                     directives; needs the proxy), then build
# Environment:
#   ENGINE_DIR               output dir (default: <repo>/.tools/engine)
#   ENGINE_NICE              niceness of Go commands (default: 19)
#   PULUMI_CONFIG_PASSPHRASE passphrase for the smoke test stack (default: engine-smoke)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

SMOKE=1 RETRY_REFUSED=0 UPDATE_CLI_MOD=0
for arg in "$@"; do
  case "$arg" in
    --no-smoke) SMOKE=0 ;;
    --retry-refused) RETRY_REFUSED=1 ;;
    --update-cli-mod) UPDATE_CLI_MOD=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

ENGINE="${ENGINE_DIR:-$ROOT/.tools/engine}"
NICE="${ENGINE_NICE:-19}"
PYTHON="${ENGINE_PYTHON:-$ROOT/.venv/bin/python}"
mkdir -p "$ENGINE"/{bin,stamps,src,logs,state,pulumi-home}
ENGINE="$(cd "$ENGINE" && pwd)"

exec 9>"$ENGINE/.build.lock"
flock -n 9 || { echo "build.sh: another build is running in $ENGINE" >&2; exit 1; }

export GOPATH="$ENGINE/gopath"
export GOMODCACHE="$ENGINE/gopath/pkg/mod"
export GOCACHE="$ENGINE/gocache"
export GOFLAGS="-modcacherw -buildvcs=false"
export GOTOOLCHAIN="${ENGINE_GOTOOLCHAIN:-local}"
export GOWORK=off
export PULUMI_HOME="$ENGINE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-engine-smoke}"
export PULUMI_BACKEND_URL="file://$ENGINE/state"

PULUMI="$ENGINE/bin/pulumi"
PROVIDER_BIN="$ENGINE/bin/pulumi-resource-openstack"
LANGHOST_BIN="$ENGINE/bin/pulumi-language-python"
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
GO_VERSION="$(go env GOVERSION)"
T_ALL=$SECONDS

gox() { nice -n "$NICE" go "$@"; }
line() { printf '[engine] %-20s %-60s %5ss\n' "$1" "$2" "$3"; }
stamp_is() { [[ -f "$ENGINE/stamps/$1" && "$(cat "$ENGINE/stamps/$1")" == "$2" ]]; }
stamp_set() { printf '%s\n' "$2" >"$ENGINE/stamps/$1"; }
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

# Print field $2 of the JSON object read from file $1 (empty if absent).
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]) or "")' "$1" "$2"; }

# `go mod download -json MOD@VER` into $3 (JSON). Returns non-zero if the proxy refused it.
mod_download() {
  (cd "$ENGINE/src" && gox mod download -json "$1@$2") >"$3" 2>/dev/null || true
  [[ -s "$3" && -z "$(json_field "$3" Error)" && -n "$(json_field "$3" Dir)" ]]
}

# Append to go.mod in the current dir every replace directive of go.mod file $1
# whose target is a module (not a ../relative path, which only works in pulumi's repo).
copy_module_replaces() {
  local args
  mapfile -t args < <(go mod edit -json "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    old, new = r["Old"], r["New"]
    if not new.get("Version"):
        continue  # local path replacement
    o = old["Path"] + ("@" + old["Version"] if old.get("Version") else "")
    print("-replace=%s=%s@%s" % (o, new["Path"], new["Version"]))')
  if ((${#args[@]})); then go mod edit "${args[@]}"; fi
}

# Create a wrapper module in dir $1 that requires pkg/v3 and sdk/v3 at $2 plus
# "MOD@VER" pairs in $4..., copies the non-local replaces of go.mod file $3 and
# declares tool $5's package; then `go mod tidy`. Tool package list in WRAP_TOOLS.
make_wrapper() {
  local dir=$1 ver=$2 gomod=$3; shift 3
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    go mod init hdhport.local/engine/wrapper >/dev/null 2>&1
    go mod edit -go="$(sed -n 's/^go //p' "$gomod" | head -1)" \
      -require="github.com/pulumi/pulumi/pkg/v3@$ver" -require="github.com/pulumi/pulumi/sdk/v3@$ver"
    for mv in "$@"; do go mod edit -require="$mv"; done
    copy_module_replaces "$gomod"
    for t in $WRAP_TOOLS; do go mod edit -tool="$t"; done
    gox mod tidy
  )
}

# ---------------------------------------------------------------- cli go.mod
update_cli_mod() {
  local t0=$SECONDS j="$ENGINE/src/pkg.json"
  if ! mod_download github.com/pulumi/pulumi/pkg/v3 "$PULUMI_CLI_VERSION" "$j"; then
    echo "build.sh: the proxy refused github.com/pulumi/pulumi/pkg/v3@$PULUMI_CLI_VERSION: $(json_field "$j" Error)" >&2
    exit 1
  fi
  WRAP_TOOLS=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    make_wrapper "$ENGINE/src/cli-gen" "$PULUMI_CLI_VERSION" "$(json_field "$j" GoMod)" \
    >"$ENGINE/logs/cli-mod.log" 2>&1 || { cat "$ENGINE/logs/cli-mod.log" >&2; exit 1; }
  sed -i '1s#.*#module hdhport.local/engine/cli#' "$ENGINE/src/cli-gen/go.mod"
  cp "$ENGINE/src/cli-gen/go.mod" "$ENGINE/src/cli-gen/go.sum" "$HERE/cli/"
  line cli-go.mod "regenerated for pkg/v3 $PULUMI_CLI_VERSION" $((SECONDS - t0))
}

# ---------------------------------------------------------------- 1. Pulumi CLI
build_cli() {
  local t0=$SECONDS mod="$HERE/cli/go.mod" key src="$ENGINE/src/cli"
  if ! grep -qE "^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 ${PULUMI_CLI_VERSION//./\\.}([[:space:]]|\$)" "$mod"; then
    echo "build.sh: $mod does not require pkg/v3 $PULUMI_CLI_VERSION; run: $0 --update-cli-mod" >&2
    exit 1
  fi
  key="pulumi=$PULUMI_CLI_VERSION go=$GO_VERSION mod=$(hash_files "$mod" "$HERE/cli/go.sum")"
  if stamp_is cli "$key" && [[ -x "$PULUMI" ]]; then
    line cli "up to date (pulumi $PULUMI_CLI_VERSION)" $((SECONDS - t0)); return
  fi
  mkdir -p "$src" && cp "$mod" "$HERE/cli/go.sum" "$src/"
  if ! (cd "$src" && gox build -trimpath \
        -ldflags "-s -w -X $VERSION_PKG=$PULUMI_CLI_VERSION" \
        -o "$PULUMI.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >"$ENGINE/logs/cli.log" 2>&1; then
    step_fail cli "$t0"
  fi
  mv -f "$PULUMI.tmp" "$PULUMI"
  local got; got="$("$PULUMI" version)"
  [[ "$got" == "$PULUMI_CLI_VERSION" ]] || { echo "build.sh: built CLI says '$got'" >&2; exit 1; }
  stamp_set cli "$key"
  line cli "built (pulumi $got)" $((SECONDS - t0))
}

# An optional component (served by the proxy or not): returns 0 when it must be built, 1 when it is up to
# date or the proxy refuses its module (refusals are cached in its stamp; --retry-refused asks again).
# Usage: needs_build COMPONENT KEY BINARY MODULE MODULE_VERSION SHOWN_VERSION JSON T0
needs_build() {
  local name=$1 key=$2 bin=$3 module=$4 version=$5 shown=$6 j=$7 t0=$8
  if stamp_is "$name" "built $key" && [[ -x "$bin" ]]; then
    line "$name" "up to date ($shown)" $((SECONDS - t0)); return 1
  fi
  if stamp_is "$name" "refused $key" && ((!RETRY_REFUSED)); then
    line "$name" "unavailable (proxy refused $version; cached)" $((SECONDS - t0)); return 1
  fi
  if ! mod_download "$module" "$version" "$j"; then
    json_field "$j" Error >"$ENGINE/logs/$name.log"
    stamp_set "$name" "refused $key"
    line "$name" "unavailable (proxy refused $version)" $((SECONDS - t0)); return 1
  fi
  return 0
}

# ------------------------------------------------- 2. Python language host (optional)
build_langhost() {
  local t0=$SECONDS key="$PULUMI_LANGUAGE_PYTHON_MODULE@$PULUMI_LANGUAGE_PYTHON_VERSION cli=$PULUMI_CLI_VERSION go=$GO_VERSION"
  local j="$ENGINE/src/langhost.json" src="$ENGINE/src/language-python"
  needs_build language-python "$key" "$LANGHOST_BIN" "$PULUMI_LANGUAGE_PYTHON_MODULE" \
    "$PULUMI_LANGUAGE_PYTHON_VERSION" "$PULUMI_LANGUAGE_PYTHON_VERSION" "$j" "$t0" || return 0
  # Served: its go.mod replaces pkg/sdk with ../ paths, so build it through a wrapper
  # module pinned to the CLI's pkg/v3 + sdk/v3 (needs the proxy for `go mod tidy`).
  if ! { WRAP_TOOLS="$PULUMI_LANGUAGE_PYTHON_MODULE" make_wrapper "$src" "$PULUMI_CLI_VERSION" "$(json_field "$j" GoMod)" \
           "$PULUMI_LANGUAGE_PYTHON_MODULE@$PULUMI_LANGUAGE_PYTHON_VERSION" &&
         (cd "$src" && gox build -trimpath -ldflags "-s -w -X $VERSION_PKG=$PULUMI_LANGUAGE_PYTHON_VERSION" \
           -o "$LANGHOST_BIN" "$PULUMI_LANGUAGE_PYTHON_MODULE"); } >"$ENGINE/logs/language-python.log" 2>&1; then
    line language-python "FAILED to build (see logs/language-python.log)" $((SECONDS - t0)); return
  fi
  # Shims that ship in the sdk/v3 module next to the language host.
  local sdkdir; sdkdir="$(cd "$src" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  for f in "$sdkdir"/python/cmd/pulumi-language-python-exec "$sdkdir"/python/dist/pulumi-resource-pulumi-python; do
    [[ -f "$f" ]] && install -m 0755 "$f" "$ENGINE/bin/"
  done
  stamp_set language-python "built $key"
  line language-python "built ($PULUMI_LANGUAGE_PYTHON_VERSION)" $((SECONDS - t0))
}

# ---------------------------------------------------------- 3. OpenStack provider
# Bridged from the Terraform provider (scripts/engine/provider/, pins in versions.env), in five steps with a
# stamp each; a step that runs drops the stamps after it. Every step's key holds PROVIDER_KEY (pins, Go
# version, Python SDK version, hash of scripts/engine/provider/), so editing any of them rebuilds.
PROVIDER_STEPS=(provider-sdk provider-src provider-tfgen provider-schema provider-bin)
PSRC="$ENGINE/src/provider"                             # copy of scripts/engine/provider/ (+ generated files)
PSDK="$ENGINE/src/terraform-plugin-sdk-v2-patched"      # go.mod's replace target (../ from PSRC)
TFGEN_BIN="$ENGINE/src/pulumi-tfgen-openstack"
PSCHEMA="$PSRC/cmd/pulumi-resource-openstack/schema.json"

# Fail with one line: the step, the last line of its log and where the full log is.
step_fail() {
  local name=$1 t0=$2 log="$ENGINE/logs/$1.log" last
  last="$(grep -v '^[[:space:]]*$' "$log" 2>/dev/null | tail -1 | cut -c1-200)"
  line "$name" "FAILED" $((SECONDS - t0))
  echo "build.sh: $name failed: ${last:-no output} (full log: $log)" >&2
  exit 1
}
# Run step $1 (key $2, output $3) with function $4 unless its stamp matches and its output exists. The
# function runs as a background job in its own process group (set -e applies inside it) and the script
# waits for it by id; on INT/TERM the trap stops that group by its id.
STEP_PID=
trap 'if [[ -n "$STEP_PID" ]]; then kill -TERM -- "-$STEP_PID" 2>/dev/null || true; wait "$STEP_PID" 2>/dev/null || true; fi
      echo "build.sh: interrupted" >&2; exit 130' INT TERM
provider_step() {
  local name=$1 key=$2 out=$3 fn=$4 t0=$SECONDS i after=0 log="$ENGINE/logs/$1.log"
  if stamp_is "$name" "$key" && [[ -e "$out" ]]; then line "$name" "up to date" $((SECONDS - t0)); return; fi
  for i in "${PROVIDER_STEPS[@]}"; do
    ((after)) && rm -f "$ENGINE/stamps/$i"; [[ "$i" == "$name" ]] && after=1
  done
  rm -f "$ENGINE/stamps/$name"
  set -m; "$fn" >"$log" 2>&1 & STEP_PID=$!; set +m
  if ! wait "$STEP_PID"; then STEP_PID=; step_fail "$name" "$t0"; fi
  STEP_PID=
  stamp_set "$name" "$key"
  line "$name" "$(tail -1 "$log" | cut -c1-60)" $((SECONDS - t0))
}

p_sdk() {  # upstream terraform-plugin-sdk/v2 from the module cache, patched
  local j="$ENGINE/src/sdkv2.json"
  mod_download "$TF_PLUGIN_SDK_MODULE" "$TF_PLUGIN_SDK_VERSION" "$j" ||
    { echo "proxy refused $TF_PLUGIN_SDK_MODULE@$TF_PLUGIN_SDK_VERSION: $(json_field "$j" Error)"; return 1; }
  rm -rf "$PSDK" "$PSDK.tmp" && cp -r "$(json_field "$j" Dir)" "$PSDK.tmp" && chmod -R u+w "$PSDK.tmp"
  (cd "$PSDK.tmp" && patch -p1 --forward --no-backup-if-mismatch <"$HERE/provider/sdkv2-hdhport.patch")
  mv "$PSDK.tmp" "$PSDK"
  echo "patched $TF_PLUGIN_SDK_VERSION (sdkv2-hdhport.patch)"
}
p_src() {  # copy of the module + token map generated from the Python SDK
  local j="$ENGINE/src/tf-openstack.json"
  rm -rf "$PSRC" && mkdir -p "$PSRC"
  (cd "$HERE/provider" && cp -r go.mod go.sum info cmd "$PSRC/")
  mod_download "$TF_OPENSTACK_MODULE" "$TF_OPENSTACK_VERSION" "$j" ||
    { echo "proxy refused $TF_OPENSTACK_MODULE@$TF_OPENSTACK_VERSION: $(json_field "$j" Error)"; return 1; }
  "$PYTHON" "$HERE/provider/tokens.py" gen --sdk "$PY_OPENSTACK_DIR" \
    --tf-provider "$(json_field "$j" Dir)/openstack/provider.go" --out "$PSRC/info/tokens_gen.go"
}
p_tfgen() {
  (cd "$PSRC" && gox build -trimpath -ldflags "-s -w -X main.version=$OPENSTACK_PLUGIN_VERSION" \
    -o "$TFGEN_BIN.tmp" ./cmd/pulumi-tfgen-openstack)
  mv -f "$TFGEN_BIN.tmp" "$TFGEN_BIN"
  echo "built pulumi-tfgen-openstack"
}
p_schema() {  # schema with the plugin version, checked against the Python SDK
  local out="$ENGINE/src/provider-schema"
  rm -rf "$out" && (cd "$PSRC" && "$TFGEN_BIN" schema --out "$out" --skip-docs --skip-examples)
  python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); s["version"] = sys.argv[3]
json.dump(s, open(sys.argv[2], "w"), indent=1, sort_keys=True)' "$out/schema.json" "$PSCHEMA" "$OPENSTACK_PLUGIN_VERSION"
  "$PYTHON" "$HERE/provider/tokens.py" check --sdk "$PY_OPENSTACK_DIR" --schema "$PSCHEMA"
}
p_bin() {
  (cd "$PSRC" && gox build -trimpath -ldflags "-s -w -X main.version=$OPENSTACK_PLUGIN_VERSION" \
    -o "$PROVIDER_BIN.tmp" ./cmd/pulumi-resource-openstack)
  mv -f "$PROVIDER_BIN.tmp" "$PROVIDER_BIN"
  echo "built pulumi-resource-openstack $OPENSTACK_PLUGIN_VERSION ($(du -m "$PROVIDER_BIN" | cut -f1) MB)"
}

build_provider() {
  local pmod="$HERE/provider/go.mod" mv py k
  for mv in "$TF_BRIDGE_MODULE $TF_BRIDGE_VERSION" "$TF_OPENSTACK_MODULE $TF_OPENSTACK_VERSION" \
            "$TF_PLUGIN_SDK_MODULE $TF_PLUGIN_SDK_VERSION"; do
    grep -qE "^[[:space:]]*${mv//./\\.}([[:space:]]|\$)" "$pmod" ||
      { echo "build.sh: $pmod does not require $mv (versions.env)" >&2; exit 1; }
  done
  # The Python SDK the token map comes from: where it is and its version, without importing it.
  py="$("$PYTHON" -c 'import importlib.metadata as m, importlib.util as u
print(m.version("pulumi_openstack"), u.find_spec("pulumi_openstack").submodule_search_locations[0])' 2>/dev/null)" ||
    { echo "build.sh: pulumi_openstack is not installed in $PYTHON (run make install)" >&2; exit 1; }
  PY_OPENSTACK_DIR="${py#* }"
  [[ "${py%% *}" == "$PULUMI_OPENSTACK_PY_VERSION" ]] ||
    { echo "build.sh: pulumi_openstack is ${py%% *}, versions.env pins $PULUMI_OPENSTACK_PY_VERSION" >&2; exit 1; }
  PROVIDER_KEY="plugin=$OPENSTACK_PLUGIN_VERSION bridge=$TF_BRIDGE_VERSION tf=$TF_OPENSTACK_VERSION"
  PROVIDER_KEY+=" sdk=$TF_PLUGIN_SDK_VERSION py=${py%% *} go=$GO_VERSION"
  PROVIDER_KEY+=" src=$(cd "$HERE/provider" && find . -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  rm -f "$ENGINE/stamps/provider-openstack" "$ENGINE/src/provider.json"  # the former proxy-only attempt
  k="$PROVIDER_KEY"
  provider_step provider-sdk "$TF_PLUGIN_SDK_VERSION patch=$(hash_files "$HERE/provider/sdkv2-hdhport.patch")" \
    "$PSDK/go.mod" p_sdk
  provider_step provider-src "$k" "$PSRC/info/tokens_gen.go" p_src
  provider_step provider-tfgen "$k" "$TFGEN_BIN" p_tfgen
  provider_step provider-schema "$k" "$PSCHEMA" p_schema
  provider_step provider-bin "$k" "$PROVIDER_BIN" p_bin
}

# ------------------------------------------- 4. install the provider in PULUMI_HOME
install_provider() {
  local t0=$SECONDS key
  [[ -x "$PROVIDER_BIN" ]] || { echo "build.sh: no $PROVIDER_BIN to install" >&2; exit 1; }
  key="openstack $OPENSTACK_PLUGIN_VERSION bin=$(hash_files "$PROVIDER_BIN") cli=$PULUMI_CLI_VERSION"
  if stamp_is plugin-openstack "$key" && [[ -d "$PULUMI_HOME/plugins/resource-openstack-v$OPENSTACK_PLUGIN_VERSION" ]]; then
    line plugin-openstack "up to date (resource openstack $OPENSTACK_PLUGIN_VERSION)" $((SECONDS - t0)); return
  fi
  "$PULUMI" plugin install resource openstack "$OPENSTACK_PLUGIN_VERSION" --file "$PROVIDER_BIN" --reinstall \
    >"$ENGINE/logs/plugin-openstack.log" 2>&1 || { cat "$ENGINE/logs/plugin-openstack.log" >&2; exit 1; }
  stamp_set plugin-openstack "$key"
  line plugin-openstack "installed (resource openstack $OPENSTACK_PLUGIN_VERSION)" $((SECONDS - t0))
}

# ------------------------------------------------------------------ 5. checks
checks() {
  local t0=$SECONDS
  "$PULUMI" login "$PULUMI_BACKEND_URL" >/dev/null
  echo "    pulumi version: $("$PULUMI" version)"
  echo "    pulumi whoami --verbose:"; "$PULUMI" whoami --verbose 2>&1 | sed 's/^/      /'
  echo "    pulumi plugin ls:"; "$PULUMI" plugin ls 2>&1 | sed 's/^/      /'
  if ! "$PYTHON" "$HERE/smoke.py" "$ENGINE" >"$ENGINE/logs/smoke.log" 2>&1; then
    step_fail smoke "$t0"
  fi
  grep -E '^(cli version|up:|destroy:|SMOKE|openstack preview)' "$ENGINE/logs/smoke.log" | sed 's/^/    /'
  line smoke "ok (up/destroy + OpenStack preview, no cloud)" $((SECONDS - t0))
}

write_env() {
  cat >"$ENGINE/env.sh" <<EOF
# Generated by scripts/engine/build.sh: source it to use the local Pulumi engine.
export PATH="$ENGINE/bin:\$PATH"
export PULUMI_HOME="$ENGINE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

((UPDATE_CLI_MOD)) && update_cli_mod
build_cli
build_langhost
build_provider
install_provider
write_env
((SMOKE)) && checks
line total done $((SECONDS - T_ALL))
