"""What operators run and probe: health endpoints, logging, process start-up, the staff group."""
