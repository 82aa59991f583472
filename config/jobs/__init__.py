"""Background jobs: state kept on rows, the task base, the sweeper, sending and periodic jobs."""
