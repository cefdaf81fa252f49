"""Database topology: the optional read replica (issue 13 item 5). See docs/scaling.md."""
