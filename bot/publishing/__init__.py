"""The content plan: departments' drafts, their approval, and publishing on time on every page."""
