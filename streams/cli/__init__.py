"""The `wirestream` command line: commands, the demo, and the push/tail clients behind them."""
