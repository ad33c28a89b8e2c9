"""How large a plan may be. Apart from the loader so that `build --check`, which hashes the
plan's bytes without parsing them, need not import the YAML parser."""

MAX_BYTES = 16 * 1024 * 1024
