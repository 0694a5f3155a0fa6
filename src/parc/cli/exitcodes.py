"""Exit codes shared by every command: 0 clean, 1 findings at or above --fail-on (or an --expect mismatch),
2 bad usage or unreadable input."""

OK = 0
FINDINGS = 1
USAGE = 2
