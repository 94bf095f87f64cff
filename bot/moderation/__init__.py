"""Moderation: what citizens write comes in, is judged, becomes a card, and a decision is carried out."""
