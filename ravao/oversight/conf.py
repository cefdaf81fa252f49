"""Thresholds of the oversight pages and reminders (every threshold is a setting, BRIEF §3).

Read from the environment through the typed helpers of `ravao.env`, so a typo stops the process at start-up.
"""

from ravao.env import env_int

# A venue with no scan on today and the previous IDLE_DAYS - 1 days is "not scanning" (listed, reminded).
IDLE_DAYS = env_int("RAVAO_OVERSIGHT_IDLE_DAYS", 3, minimum=1)
# "Active this week" and the hour/method/flagged figures look back this many days, today included.
WEEK_DAYS = env_int("RAVAO_OVERSIGHT_WEEK_DAYS", 7, minimum=1)
# The check-ins-per-day chart covers this many days, today included.
CHART_DAYS = env_int("RAVAO_OVERSIGHT_CHART_DAYS", 28, minimum=2)
# Rows per page in the lists of venues (the downloads hold every row).
PAGE_SIZE = env_int("RAVAO_OVERSIGHT_PAGE_SIZE", 50, minimum=5)
# A venue is not reminded again (button or command) within this many hours of its last reminder.
REMINDER_INTERVAL_HOURS = env_int("RAVAO_REMINDER_INTERVAL_HOURS", 20, minimum=1)
# The roll-up command also recomputes this many past days besides today (1 = yesterday).
ROLLUP_PAST_DAYS = env_int("RAVAO_ROLLUP_PAST_DAYS", 1, minimum=0)
# The by-unit chart shows every child unit up to twice this many; beyond that (126 wards of a province)
# the this-many highest and lowest shares of venues scanning, every unit staying in the table below it.
CHART_UNITS = env_int("RAVAO_OVERSIGHT_CHART_UNITS", 15, minimum=3)
