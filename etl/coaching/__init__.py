"""Coaching: which agents fall clearly behind the rest of their team (or their hire cohort), on what, with the
evidence; and whether coaching sessions were followed by a clear change.

- `stats`: the intervals and tests (Wilson, Newcombe's hybrid score interval for a difference of proportions and
  its p-value, Welch's t on log handle times, Benjamini–Hochberg), pure numpy/scipy.
- `measures`: which KPIs are compared and in which direction "worse" lies.
- `scorecard`: agent against the rest of the team for a period, one function for the page and the command line.
- `periods`: the period whose FCR windows have closed.
- `cli`: `carekpi coaching`.
"""
