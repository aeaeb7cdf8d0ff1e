#!/bin/sh
# Regenerates grammar/src/ (parser.c, grammar.json, node-types.json and
# tree_sitter/parser.h) from grammar/grammar.js, offline, with the tree-sitter
# 0.20.7 generator (ABI 14, so that Debian's libtree-sitter 0.20.7 loads it).
#
#   sh grammar/regenerate.sh                  # from anywhere
#   TSGEN=/path/to/tree-sitter-generate sh grammar/regenerate.sh
#
# Environment:
#   TSGEN         an already built generator binary: skips step 2 entirely.
#   ACC_TSGEN_DIR where step 2 builds and keeps the generator
#                 (default: ${XDG_CACHE_HOME:-$HOME/.cache}/acc-tsgen).
#
# Why a home-made generator: the tree-sitter CLI is not packaged in Debian
# bookworm and `npm install tree-sitter-cli` downloads a prebuilt binary from
# outside the registries this project may use.  Debian does ship the full
# tree-sitter 0.20.7 source (package `tree-sitter`, which only builds the
# library) and, as librust-*-dev packages, every crate that the generator part
# of the CLI (cli/src/generate) needs.  So step 2 compiles just that part, with
# cargo pointed at Debian's crate registry and never at the network.
#
# Needs: node and npm (grammar.js is evaluated with the system `node`, as the
# tree-sitter CLI does), and for step 2 apt access (root or sudo) plus cargo
# (installed from Debian if missing).
set -eu

GRAMMAR_DIR=$(cd "$(dirname "$0")" && pwd)

log() { printf 'regenerate: %s\n' "$*" >&2; }

# Runs a command as root (directly, or through sudo when not root).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------
# 1. tree-sitter-c, whose grammar.js ours extends (require('tree-sitter-c/grammar')).
#    --ignore-scripts: its install script would build native Node bindings we
#    do not need.  package-lock.json pins the exact version (0.24.1).
# ---------------------------------------------------------------------------
if [ ! -f "$GRAMMAR_DIR/node_modules/tree-sitter-c/grammar.js" ]; then
  log "installing tree-sitter-c with npm"
  (cd "$GRAMMAR_DIR" && npm install --ignore-scripts --no-audit --no-fund)
fi

# ---------------------------------------------------------------------------
# 2. The generator: tree-sitter 0.20.7's cli/src/generate, built from Debian's
#    source package and crates.  Skipped when TSGEN is set or when the cache
#    already holds a built binary.
# ---------------------------------------------------------------------------
build_generator() {
  dir=$1

  # 2a. Debian packages: the crates the generator uses (as cargo "registry"
  #     sources under /usr/share/cargo/registry), and cargo itself if absent.
  pkgs="librust-anyhow-dev librust-lazy-static-dev librust-log-dev
        librust-rustc-hash-dev librust-smallbitvec-dev librust-serde-dev
        librust-serde-derive-dev librust-serde-json-dev librust-semver-dev
        librust-regex-dev librust-regex+default-dev librust-regex-syntax-dev
        librust-indexmap-dev xz-utils"
  command -v cargo >/dev/null 2>&1 || pkgs="$pkgs cargo"
  missing=""
  for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done

  # 2b. `apt-get source` needs deb-src entries: derive them from the binary
  #     ones (deb822 debian.sources, or the classic sources.list) if none.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
     ! grep -rqs '^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "enabling deb-src entries"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        as_root tee /etc/apt/sources.list.d/acc-deb-src.sources >/dev/null
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
        as_root tee /etc/apt/sources.list.d/acc-deb-src.list >/dev/null
    fi
    need_update=1
  fi

  mkdir -p "$dir/build"
  cd "$dir/build"
  orig=tree-sitter_0.20.7.orig.tar.xz
  if [ -n "$missing" ] || [ ! -f "$orig" ] || [ "${need_update:-0}" = 1 ]; then
    log "apt-get update"
    as_root apt-get update -qq
  fi
  if [ -n "$missing" ]; then
    log "installing:$missing"
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi

  # 2c. Debian's source package of tree-sitter 0.20.7 (apt checks the
  #     signed .dsc and the tarball's hash).  Only the upstream tarball is
  #     used: Debian's patches concern the library build, not the CLI.
  if [ ! -f "$orig" ]; then
    log "downloading Debian source package tree-sitter=0.20.7-1"
    apt-get source --download-only -qq tree-sitter=0.20.7-1
  fi
  rm -rf tree-sitter-0.20.7 src ts-shim .cargo
  tar xJf "$orig" tree-sitter-0.20.7/cli/src/generate \
    tree-sitter-0.20.7/lib/include/tree_sitter/parser.h
  mkdir -p src ts-shim/src .cargo
  cp -R tree-sitter-0.20.7/cli/src/generate src/
  cp tree-sitter-0.20.7/lib/include/tree_sitter/parser.h ts-shim/

  # 2d. cargo: only Debian's crate directory, never the network.
  cat > .cargo/config.toml <<'EOF'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
EOF

  # 2e. A wrapper crate around cli/src/generate.  Named tree-sitter-cli 0.20.7
  #     because the generator prints env!("CARGO_PKG_VERSION") into parser.c's
  #     header comment, as the real CLI would.
  cat > Cargo.toml <<'EOF'
[package]
name = "tree-sitter-cli"
version = "0.20.7"
edition = "2018"

[[bin]]
name = "tree-sitter-generate"
path = "src/main.rs"

[dependencies]
anyhow = "1.0"
lazy_static = "1.2.0"
log = { version = "0.4.6", features = ["std"] }
regex = "1"
regex-syntax = "0.6.4"
rustc-hash = "1"
semver = "1.0"
serde = { version = "1.0.130", features = ["derive"] }
serde_json = { version = "1.0", features = ["preserve_order"] }
smallbitvec = "2.5.1"
indexmap = "1"
tree-sitter = { path = "ts-shim" }
EOF
  cat > build.rs <<'EOF'
fn main() {
    println!("cargo:rustc-env=RUST_BINDING_VERSION=0.20.7");
}
EOF

  # 2f. The generator only needs three items of the `tree-sitter` runtime
  #     crate; this shim provides them (ABI 14, parser.h of 0.20.7).
  cat > ts-shim/Cargo.toml <<'EOF'
[package]
name = "tree-sitter"
version = "0.20.7"
edition = "2018"
EOF
  cat > ts-shim/src/lib.rs <<'EOF'
pub const LANGUAGE_VERSION: usize = 14;
pub const MIN_COMPATIBLE_LANGUAGE_VERSION: usize = 13;
pub const PARSER_HEADER: &'static str = include_str!("../parser.h");
EOF

  # 2g. The command line: `tree-sitter generate --no-bindings` of 0.20.7,
  #     i.e. run in the grammar folder, writes src/.  Without a grammar path
  #     argument it reads grammar.js and also writes src/grammar.json.
  cat > src/main.rs <<'EOF'
// tree-sitter-generate [--abi 13|14] [--report-states-for-rule RULE] [grammar.js|grammar.json]
mod generate;

fn main() {
    let (mut abi, mut path, mut report) = (14usize, None::<String>, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--abi" => abi = args.next().expect("--abi N").parse().expect("bad --abi"),
            "--report-states-for-rule" => report = args.next(),
            "generate" | "--no-bindings" => {}
            _ if a.starts_with("--abi=") => abi = a[6..].parse().expect("bad --abi"),
            _ => path = Some(a),
        }
    }
    let cwd = std::env::current_dir().expect("cwd");
    if let Err(e) = generate::generate_parser_in_directory(
        &cwd, path.as_deref(), abi, false, report.as_deref()) {
        eprintln!("Error: {:?}", e);
        std::process::exit(1);
    }
}
EOF

  # 2h. Build, and install the binary only once the build succeeded, so that
  #     an interrupted build is never mistaken for a finished one.
  log "building the generator in $dir/build (a few minutes)"
  if ! cargo build --release --offline > cargo-build.log 2>&1; then
    cat cargo-build.log >&2
    log "cargo build failed"
    exit 1
  fi
  mkdir -p "$dir/bin"
  cp target/release/tree-sitter-generate "$dir/bin/tree-sitter-generate.tmp"
  mv "$dir/bin/tree-sitter-generate.tmp" "$dir/bin/tree-sitter-generate"
}

if [ -z "${TSGEN:-}" ]; then
  dir=${ACC_TSGEN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/acc-tsgen}
  TSGEN=$dir/bin/tree-sitter-generate
  if [ ! -x "$TSGEN" ]; then
    (build_generator "$dir")
  else
    log "using cached generator $TSGEN"
  fi
fi
[ -x "$TSGEN" ] || { log "no generator at $TSGEN"; exit 1; }

# ---------------------------------------------------------------------------
# 3. Generate.  No grammar path is passed, so grammar.js is read and
#    src/grammar.json written along with parser.c, node-types.json and
#    tree_sitter/parser.h.  --abi 14: what libtree-sitter 0.20.7 loads.
# ---------------------------------------------------------------------------
log "generating $GRAMMAR_DIR/src with $TSGEN"
start=$(date +%s)
(cd "$GRAMMAR_DIR" && "$TSGEN" --abi 14)
grep -q 'tree_sitter_ac(void)' "$GRAMMAR_DIR/src/parser.c" || {
  log "src/parser.c does not define tree_sitter_ac"
  exit 1
}
log "done in $(( $(date +%s) - start ))s"
