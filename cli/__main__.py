"""`python -m cli`: the `toxaudit` command, for child processes started by the CLI itself."""

from cli import main

raise SystemExit(main())
