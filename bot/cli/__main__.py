"""`python -m bot.cli`: the same as the `minutes-bot` command."""

from bot.cli.main import main

raise SystemExit(main())
