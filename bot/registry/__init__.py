"""The public registry of official accounts, the 10-day report to the committee, and the chat's registry form."""
