"""`python -m rollouts` is the `rollouts` command."""

from rollouts import commands

raise SystemExit(commands.main())
