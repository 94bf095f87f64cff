"""The work chat as the core sees it: a neutral card model, the chat interface, buttons and the outbox."""
