"""Account security (regulation cl. 1.2.3): the daily check of every credential and of who administers each page,
the alerts it raises, the specialist's checklist, and the webhook secrets."""
