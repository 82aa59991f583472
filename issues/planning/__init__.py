"""Planning an issue: the LLM turns it into ordered tasks with estimates, plus risks."""
