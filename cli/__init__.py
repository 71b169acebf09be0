"""The `hoso` command line."""
