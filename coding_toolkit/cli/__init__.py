"""Command line: a click group whose subcommands live one group per module and load lazily."""
