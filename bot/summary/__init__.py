"""Reports people read: the day's summary card at the end of each working day, and the week's with a chart."""
