"""Rate-limit stores shared by every process: `limits` storage on Redis, or a locked file in embedded mode."""
