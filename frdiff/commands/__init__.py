"""CLI commands, one small module per area; each exports ``COMMANDS``."""
