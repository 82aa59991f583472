"""What a GitHub `user` object (a payload's sender, author, reactor) tells about the account."""


def is_bot(user: dict | None) -> bool:
    """An App or a bot account (our App's own writes come back from one)."""
    user = user or {}
    return user.get("type") == "Bot" or str(user.get("login") or "").endswith("[bot]")
