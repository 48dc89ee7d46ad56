"""CLI commands, one small module per area; ``frdiff.cli.COMMANDS`` names each one,
so that a command's module is imported only when it runs."""
